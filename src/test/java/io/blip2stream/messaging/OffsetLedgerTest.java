package io.blip2stream.messaging;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OffsetLedgerTest {

    private static final TopicPartition IMAGES_0 = new TopicPartition("images", 0);
    private static final TopicPartition IMAGES_1 = new TopicPartition("images", 1);
    private static final TopicPartition QUESTIONS_0 = new TopicPartition("questions", 0);
    private static final int GENERATION = 3;

    private final List<String> dropped = new ArrayList<>();
    private OffsetLedger<String, String> ledger;

    @BeforeEach
    void assignBothChannels() {
        ledger = new OffsetLedger<>(dropped::add);
        ledger.assigned(Channels.IMAGES_IN, List.of(IMAGES_0, IMAGES_1), GENERATION);
        ledger.assigned(Channels.QUESTIONS_IN, List.of(QUESTIONS_0), GENERATION);
    }

    private void register(TopicPartition p, long offset, String item) {
        assertThat(ledger.register(p, offset, GENERATION, item)).isTrue();
    }

    private static List<String> items(OffsetLedger.Release<String, String> r) {
        return r.entries().stream().map(OffsetLedger.Entry::item).toList();
    }

    @Test
    void nothingIsReleasedBeforeAResultIsReady() {
        // given
        register(IMAGES_0, 10, "a");

        // when
        OffsetLedger.Release<String, String> r = ledger.release();

        // then
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.offsets()).isEmpty();
    }

    @Test
    void aBatchFromSeveralPartitionsAndBothChannelsCommitsTheOffsetAfterEachPartitionsLastRecord() {
        // given
        register(IMAGES_0, 10, "a");
        register(IMAGES_1, 4, "b");
        register(QUESTIONS_0, 7, "c");
        register(IMAGES_0, 12, "d"); // offsets need not be contiguous (transaction markers, compaction)

        // when
        ledger.complete("a", "result-a");
        ledger.complete("b", "result-b");
        ledger.complete("c", "result-c");
        ledger.complete("d", "result-d");
        OffsetLedger.Release<String, String> r = ledger.release();

        // then
        assertThat(items(r)).containsExactly("a", "d", "b", "c");
        assertThat(r.entries()).extracting(OffsetLedger.Entry::result)
                .containsExactly("result-a", "result-d", "result-b", "result-c");
        assertThat(r.offsets()).containsOnlyKeys(Channels.IMAGES_IN, Channels.QUESTIONS_IN);
        assertThat(r.offsets().get(Channels.IMAGES_IN)).containsExactlyInAnyOrderEntriesOf(Map.of(
                IMAGES_0, new OffsetAndMetadata(13), IMAGES_1, new OffsetAndMetadata(5)));
        assertThat(r.offsets().get(Channels.QUESTIONS_IN)).containsExactlyEntriesOf(Map.of(
                QUESTIONS_0, new OffsetAndMetadata(8)));
    }

    @Test
    void aRecordFinishedBeforeAnEarlierOneOfItsPartitionWaitsForIt() {
        // given: b (offset 11) finishes first, a (offset 10) is still in a batch
        register(IMAGES_0, 10, "a");
        register(IMAGES_0, 11, "b");
        register(IMAGES_1, 0, "c");
        ledger.complete("b", "result-b");
        ledger.complete("c", "result-c");

        // when
        OffsetLedger.Release<String, String> first = ledger.release();

        // then: only the other partition moves
        assertThat(items(first)).containsExactly("c");
        assertThat(first.offsets()).containsExactly(Map.entry(Channels.IMAGES_IN, Map.of(IMAGES_1, new OffsetAndMetadata(1))));
        assertThat(ledger.committed(first)).containsExactly("c");

        // when a finishes: both go, past b
        ledger.complete("a", "result-a");
        OffsetLedger.Release<String, String> second = ledger.release();

        // then
        assertThat(items(second)).containsExactly("a", "b");
        assertThat(second.offsets()).containsExactly(Map.entry(Channels.IMAGES_IN, Map.of(IMAGES_0, new OffsetAndMetadata(12))));
        assertThat(ledger.committed(second)).containsExactly("a", "b");
        assertThat(ledger.size()).isZero();
        assertThat(ledger.release().isEmpty()).isTrue();
        assertThat(dropped).isEmpty();
    }

    @Test
    void anUncommittedReleaseIsReleasedAgainWithWhatFinishedMeanwhile() {
        // given: a release whose transaction is aborted (never committed)
        register(IMAGES_0, 1, "a");
        register(IMAGES_0, 2, "b");
        ledger.complete("a", "result-a");
        OffsetLedger.Release<String, String> aborted = ledger.release();
        ledger.complete("b", "result-b");

        // when
        OffsetLedger.Release<String, String> retry = ledger.release();

        // then: nothing was lost, and the retry also carries b
        assertThat(items(aborted)).containsExactly("a");
        assertThat(items(retry)).containsExactly("a", "b");
        assertThat(retry.offsets().get(Channels.IMAGES_IN)).containsExactlyEntriesOf(Map.of(IMAGES_0, new OffsetAndMetadata(3)));
        assertThat(ledger.size()).isEqualTo(2);
    }

    @Test
    void revokedPartitionsDropTheirRecordsAndLateResultsAreIgnored() {
        // given
        register(IMAGES_0, 1, "a");
        register(IMAGES_1, 1, "b");
        ledger.complete("a", "result-a");
        OffsetLedger.Release<String, String> before = ledger.release();

        // when
        ledger.revoked(List.of(IMAGES_0));

        // then
        assertThat(dropped).containsExactly("a");
        assertThat(ledger.complete("a", "late")).isFalse();
        assertThat(ledger.committed(before)).as("a was settled when dropped").isEmpty();
        assertThat(ledger.register(IMAGES_0, 2, GENERATION, "c")).as("a partition no longer held").isFalse();
        assertThat(dropped).containsExactly("a", "c");
        assertThat(ledger.complete("b", "result-b")).isTrue();
        assertThat(items(ledger.release())).containsExactly("b");
    }

    @Test
    void recordsPolledBeforeAPartitionWasAssignedAgainAreDropped() {
        // given: IMAGES_0 moves away and comes back in a later generation
        register(IMAGES_0, 5, "a");
        ledger.revoked(List.of(IMAGES_0));
        ledger.assigned(Channels.IMAGES_IN, List.of(IMAGES_0), GENERATION + 2);

        // when: a record polled in the old generation arrives late, then the partition is read again
        boolean stale = ledger.register(IMAGES_0, 6, GENERATION, "stale");
        boolean again = ledger.register(IMAGES_0, 5, GENERATION + 2, "a-again");

        // then
        assertThat(stale).isFalse();
        assertThat(again).isTrue();
        assertThat(dropped).containsExactly("a", "stale");
        ledger.complete("a-again", "result");
        assertThat(ledger.release().offsets().get(Channels.IMAGES_IN))
                .containsExactlyEntriesOf(Map.of(IMAGES_0, new OffsetAndMetadata(6)));
    }

    @Test
    void aConsumerThatGoesBackDropsWhatItWillReadAgain() {
        // given
        register(IMAGES_0, 5, "a");
        register(IMAGES_0, 6, "b");
        register(IMAGES_0, 7, "c");

        // when: the consumer is sought back to offset 6
        register(IMAGES_0, 6, "b-again");

        // then
        assertThat(dropped).containsExactly("c", "b");
        ledger.complete("a", "result-a");
        ledger.complete("b-again", "result-b");
        OffsetLedger.Release<String, String> r = ledger.release();
        assertThat(items(r)).containsExactly("a", "b-again");
        assertThat(r.offsets().get(Channels.IMAGES_IN)).containsExactlyEntriesOf(Map.of(IMAGES_0, new OffsetAndMetadata(7)));
    }

    @Test
    void clearHandsBackEveryRecordDoneOrNot() {
        // given
        register(IMAGES_0, 1, "a");
        register(QUESTIONS_0, 1, "b");
        ledger.complete("a", "result-a");

        // when
        List<String> all = ledger.clear();

        // then
        assertThat(all).containsExactlyInAnyOrder("a", "b");
        assertThat(ledger.size()).isZero();
        assertThat(ledger.complete("b", "result-b")).isFalse();
        assertThat(ledger.release().isEmpty()).isTrue();
    }
}
