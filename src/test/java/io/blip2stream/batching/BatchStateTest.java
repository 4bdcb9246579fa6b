package io.blip2stream.batching;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BatchStateTest {

    private static final long MS = 1_000_000L;
    private static final long NEVER = 1_000_000 * MS;

    private final BatchState<String> state = new BatchState<>(new BatchPolicy(3, 10 * MS));

    private void add(String id, String key, long atMs) {
        add(id, key, atMs, NEVER);
    }

    private void add(String id, String key, long atMs, long deadlineNanos) {
        state.add(new BatchState.Entry<>(id, key, atMs * MS, deadlineNanos));
    }

    private static List<String> ids(List<BatchState.Entry<String>> entries) {
        return entries.stream().map(BatchState.Entry::item).toList();
    }

    @Test
    void emptyStateHasNothingToDoAndNeverWakes() {
        BatchState.Next<String> next = state.nextBatch(0, false);

        assertThat(next.batch()).isEmpty();
        assertThat(next.expired()).isEmpty();
        assertThat(next.wakeAtNanos()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void aPartialGroupWaitsUntilMaxWaitThenGoes() {
        add("a", "k", 0);
        add("b", "k", 2);

        BatchState.Next<String> early = state.nextBatch(5 * MS, false);
        assertThat(early.batch()).isEmpty();
        assertThat(early.wakeAtNanos()).isEqualTo(10 * MS);

        BatchState.Next<String> due = state.nextBatch(10 * MS, false);
        assertThat(ids(due.batch())).containsExactly("a", "b");
        assertThat(state.isEmpty()).isTrue();
    }

    @Test
    void aFullGroupGoesAtOnceAndLeftoversStay() {
        for (int i = 0; i < 5; i++) {
            add("r" + i, "k", 0);
        }

        BatchState.Next<String> next = state.nextBatch(1 * MS, false);

        assertThat(ids(next.batch())).containsExactly("r0", "r1", "r2");
        assertThat(state.size()).isEqualTo(2);
        assertThat(state.nextBatch(1 * MS, false).batch()).isEmpty();
        assertThat(ids(state.nextBatch(10 * MS, false).batch())).containsExactly("r3", "r4");
    }

    @Test
    void requestsWithDifferentKeysNeverShareABatch() {
        add("g1", "greedy", 0);
        add("b1", "beams", 1);
        add("g2", "greedy", 2);
        add("b2", "beams", 3);

        BatchState.Next<String> first = state.nextBatch(20 * MS, false);
        BatchState.Next<String> second = state.nextBatch(20 * MS, false);

        assertThat(ids(first.batch())).containsExactly("g1", "g2");
        assertThat(ids(second.batch())).containsExactly("b1", "b2");
    }

    @Test
    void amongReadyGroupsTheOldestRequestGoesFirst() {
        add("late", "x", 5);
        add("early", "y", 1);

        assertThat(ids(state.nextBatch(30 * MS, false).batch())).containsExactly("early");
        assertThat(ids(state.nextBatch(30 * MS, false).batch())).containsExactly("late");
    }

    @Test
    void aFullYoungerGroupDoesNotWaitForAnOlderPartialOne() {
        add("old", "x", 0);
        add("n1", "y", 1);
        add("n2", "y", 1);
        add("n3", "y", 1);

        assertThat(ids(state.nextBatch(2 * MS, false).batch())).containsExactly("n1", "n2", "n3");
        assertThat(ids(state.nextBatch(2 * MS, false).batch())).isEmpty();
    }

    @Test
    void expiredRequestsLeaveTheQueueAndAreReported() {
        add("ok", "k", 0, NEVER);
        add("late", "k", 0, 4 * MS);

        BatchState.Next<String> early = state.nextBatch(1 * MS, false);
        assertThat(early.wakeAtNanos()).isEqualTo(4 * MS);

        BatchState.Next<String> next = state.nextBatch(4 * MS, false);
        assertThat(ids(next.expired())).containsExactly("late");
        assertThat(next.batch()).isEmpty();
        assertThat(state.size()).isEqualTo(1);
        assertThat(ids(state.nextBatch(10 * MS, false).batch())).containsExactly("ok");
    }

    @Test
    void flushCutsPartialBatchesWithoutWaiting() {
        add("a", "k", 0);
        add("b", "j", 0);

        assertThat(ids(state.nextBatch(0, true).batch())).hasSize(1);
        assertThat(ids(state.nextBatch(0, true).batch())).hasSize(1);
        assertThat(state.isEmpty()).isTrue();
    }

    @Test
    void zeroMaxWaitRunsWhatIsThere() {
        BatchState<String> eager = new BatchState<>(new BatchPolicy(8, 0));
        eager.add(new BatchState.Entry<>("a", "k", 0, NEVER));

        assertThat(ids(eager.nextBatch(0, false).batch())).containsExactly("a");
    }

    @Test
    void aFullBatchIsCutAheadAPartialOneIsNot() {
        add("a", "k", 0);
        add("b", "k", 0);

        BatchState.Next<String> partial = state.nextFullBatch(20 * MS);   // ready by max-wait, but not full
        assertThat(partial.batch()).isEmpty();
        assertThat(state.size()).isEqualTo(2);

        add("c", "k", 1);
        add("d", "k", 1);
        BatchState.Next<String> full = state.nextFullBatch(20 * MS);
        assertThat(ids(full.batch())).containsExactly("a", "b", "c");
        assertThat(ids(state.nextBatch(20 * MS, true).batch())).containsExactly("d");
    }

    @Test
    void cuttingAheadStillExpiresLateRequests() {
        add("late", "k", 0, 5 * MS);
        add("x", "other", 0);

        BatchState.Next<String> next = state.nextFullBatch(6 * MS);

        assertThat(ids(next.expired())).containsExactly("late");
        assertThat(next.batch()).isEmpty();
        assertThat(state.size()).isEqualTo(1);
    }

    // continuous batching: take

    @Test
    void takeCutsTheOldestFirstWhateverTheirKey() {
        add("g1", "greedy", 0);
        add("b1", "beams", 1);
        add("g2", "greedy", 2);
        add("s1", "sampling", 3);
        add("b2", "beams", 4);

        BatchState.Next<String> first = state.take(5 * MS, 3);
        BatchState.Next<String> rest = state.take(5 * MS, 10);

        assertThat(ids(first.batch())).containsExactly("g1", "b1", "g2");
        assertThat(ids(rest.batch())).containsExactly("s1", "b2");
        assertThat(state.isEmpty()).isTrue();
    }

    @Test
    void oldestNamesWhatTakeCutsNextAndLeavesItQueued() {
        add("g1", "greedy", 0);
        add("b1", "beams", 1);
        add("g2", "greedy", 2);
        add("s1", "sampling", 3);
        add("b2", "beams", 4);

        List<String> named = ids(state.oldest(3));

        assertThat(named).containsExactly("g1", "b1", "g2");
        assertThat(state.size()).isEqualTo(5);
        assertThat(ids(state.take(5 * MS, 3).batch())).isEqualTo(named);
        assertThat(ids(state.oldest(10))).containsExactly("s1", "b2");
        assertThat(state.oldest(0)).isEmpty();
    }

    @Test
    void takeRespectsItsMaximumAndLeavesTheRestQueued() {
        for (int i = 0; i < 5; i++) {
            add("r" + i, i % 2 == 0 ? "x" : "y", i);
        }

        assertThat(state.take(10 * MS, 0).batch()).isEmpty();
        assertThat(state.size()).isEqualTo(5);
        assertThat(ids(state.take(10 * MS, 2).batch())).containsExactly("r0", "r1");
        assertThat(state.size()).isEqualTo(3);
        assertThat(ids(state.take(10 * MS, 2).batch())).containsExactly("r2", "r3");
        assertThat(ids(state.take(10 * MS, 2).batch())).containsExactly("r4");
        assertThat(state.take(10 * MS, 2).batch()).isEmpty();
    }

    @Test
    void takeDoesNotWaitForBatchMatesOrMaxWait() {
        add("a", "k", 0);   // max-wait is 10 ms and the batch could hold 3: a static batch would wait

        assertThat(ids(state.take(1 * MS, 8).batch())).containsExactly("a");
    }

    @Test
    void takeExpiresLateRequestsEvenWhenItMayTakeNone() {
        add("late", "k", 0, 4 * MS);
        add("ok", "k", 1, NEVER);
        add("later", "j", 2, 6 * MS);

        BatchState.Next<String> full = state.take(5 * MS, 0);   // no room: still expires

        assertThat(ids(full.expired())).containsExactly("late");
        assertThat(full.batch()).isEmpty();
        assertThat(state.size()).isEqualTo(2);

        BatchState.Next<String> next = state.take(7 * MS, 8);
        assertThat(ids(next.expired())).containsExactly("later");
        assertThat(ids(next.batch())).containsExactly("ok");
        assertThat(state.isEmpty()).isTrue();
    }

    @Test
    void takeWakesAtTheEarliestDeadlineOfWhatItLeaves() {
        add("a", "k", 0, 50 * MS);
        add("b", "j", 1, 30 * MS);
        add("c", "k", 2, 40 * MS);
        add("d", "j", 3, NEVER);

        // what stays decides: b (30) stays while nothing is taken; once a and b are taken, c (40)
        assertThat(state.take(1 * MS, 0).wakeAtNanos()).isEqualTo(30 * MS);
        BatchState.Next<String> next = state.take(1 * MS, 2);
        assertThat(ids(next.batch())).containsExactly("a", "b");
        assertThat(next.wakeAtNanos()).isEqualTo(40 * MS);
        assertThat(state.take(1 * MS, 1).wakeAtNanos()).isEqualTo(NEVER);
        assertThat(state.take(1 * MS, 1).wakeAtNanos()).as("nothing left").isEqualTo(Long.MAX_VALUE);
    }
}
