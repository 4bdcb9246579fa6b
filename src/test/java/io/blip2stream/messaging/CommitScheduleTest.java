package io.blip2stream.messaging;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which offsets are committed when: contiguous acked prefixes, coalesced commits, one interval apart. */
class CommitScheduleTest {

    private static final long MS = Duration.ofMillis(1).toNanos();
    private static final long INTERVAL = 200 * MS;
    private static final TopicPartition IMAGES_0 = new TopicPartition("images", 0);
    private static final TopicPartition IMAGES_1 = new TopicPartition("images", 1);

    private final CommitSchedule schedule = new CommitSchedule(INTERVAL);

    private void receive(TopicPartition p, long from, long to, long atNanos) {
        for (long o = from; o <= to; o++) {
            assertThat(schedule.received(p, o, atNanos)).isTrue();
        }
    }

    private static CommitSchedule.Commit commit(Map<TopicPartition, Long> offsets) {
        return new CommitSchedule.Commit(offsets.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue()))));
    }

    @Test
    void theFirstAckAtAPartitionsHeadIsCommittedAtOnce() {
        // given
        schedule.assigned(List.of(IMAGES_0));
        receive(IMAGES_0, 0, 2, 0);
        // when
        assertThat(schedule.acked(IMAGES_0, 0)).isTrue();
        // then: the offset after the acked record
        assertThat(schedule.next(5 * MS)).isEqualTo(commit(Map.of(IMAGES_0, 1L)));
    }

    @Test
    void acksOutOfOrderWaitForEveryEarlierRecord() {
        schedule.assigned(List.of(IMAGES_0));
        receive(IMAGES_0, 10, 13, 0);

        schedule.acked(IMAGES_0, 12);
        schedule.acked(IMAGES_0, 13);
        assertThat(schedule.next(MS)).as("10 and 11 still in flight").isEqualTo(new CommitSchedule.Idle());
        schedule.acked(IMAGES_0, 11);
        assertThat(schedule.next(MS)).isEqualTo(new CommitSchedule.Idle());
        assertThat(schedule.waiting()).isEqualTo(4);

        schedule.acked(IMAGES_0, 10);
        assertThat(schedule.next(MS)).isEqualTo(commit(Map.of(IMAGES_0, 14L)));
        assertThat(schedule.waiting()).isZero();
    }

    @Test
    void acksWithinAnIntervalAreCoalescedIntoOneCommitAtItsEnd() {
        schedule.assigned(List.of(IMAGES_0));
        receive(IMAGES_0, 0, 5, 0);
        schedule.acked(IMAGES_0, 0);
        CommitSchedule.Decision first = schedule.next(0);
        assertThat(first).isEqualTo(commit(Map.of(IMAGES_0, 1L)));
        schedule.commitEnded(((CommitSchedule.Commit) first).offsets(), true);

        schedule.acked(IMAGES_0, 1);
        assertThat(schedule.next(50 * MS)).isEqualTo(new CommitSchedule.WaitUntil(INTERVAL));
        schedule.acked(IMAGES_0, 2);
        schedule.acked(IMAGES_0, 3);
        assertThat(schedule.next(199 * MS)).isEqualTo(new CommitSchedule.WaitUntil(INTERVAL));

        assertThat(schedule.next(INTERVAL)).isEqualTo(commit(Map.of(IMAGES_0, 4L)));
    }

    @Test
    void oneCommitIsInFlightAtATimeAndItsEndLetsTheNextCarryWhatMovedMeanwhile() {
        schedule.assigned(List.of(IMAGES_0));
        receive(IMAGES_0, 0, 3, 0);
        schedule.acked(IMAGES_0, 0);
        CommitSchedule.Commit inFlight = (CommitSchedule.Commit) schedule.next(0);

        schedule.acked(IMAGES_0, 1);
        schedule.acked(IMAGES_0, 2);
        assertThat(schedule.next(INTERVAL * 3)).as("a commit is in flight").isEqualTo(new CommitSchedule.Idle());

        schedule.commitEnded(inFlight.offsets(), true);
        assertThat(schedule.committed()).containsEntry(IMAGES_0, 1L);
        assertThat(schedule.next(INTERVAL * 3)).isEqualTo(commit(Map.of(IMAGES_0, 3L)));
    }

    @Test
    void everyPartitionThatMovedGoesInOneCommit() {
        schedule.assigned(List.of(IMAGES_0, IMAGES_1));
        receive(IMAGES_0, 0, 1, 0);
        receive(IMAGES_1, 7, 8, 0);
        schedule.acked(IMAGES_0, 0);
        schedule.acked(IMAGES_0, 1);
        schedule.acked(IMAGES_1, 7);

        assertThat(schedule.next(0)).isEqualTo(commit(Map.of(IMAGES_0, 2L, IMAGES_1, 8L)));
    }

    @Test
    void aCommittedOffsetIsNotCommittedAgainAndAFailedOneIsCarriedByTheNextCommit() {
        schedule.assigned(List.of(IMAGES_0, IMAGES_1));
        receive(IMAGES_0, 0, 1, 0);
        receive(IMAGES_1, 0, 1, 0);
        schedule.acked(IMAGES_0, 0);
        CommitSchedule.Commit ok = (CommitSchedule.Commit) schedule.next(0);
        schedule.commitEnded(ok.offsets(), true);
        assertThat(schedule.next(INTERVAL)).as("nothing moved since").isEqualTo(new CommitSchedule.Idle());

        schedule.acked(IMAGES_1, 0);
        CommitSchedule.Commit failed = (CommitSchedule.Commit) schedule.next(INTERVAL);
        assertThat(failed).isEqualTo(commit(Map.of(IMAGES_1, 1L)));
        schedule.commitEnded(failed.offsets(), false);

        schedule.acked(IMAGES_0, 1);
        assertThat(schedule.next(INTERVAL + MS)).as("a retry waits an interval too")
                .isEqualTo(new CommitSchedule.WaitUntil(2 * INTERVAL));
        assertThat(schedule.next(2 * INTERVAL)).isEqualTo(commit(Map.of(IMAGES_0, 2L, IMAGES_1, 1L)));
    }

    @Test
    void aRevokedPartitionHandsOverWhatItMayCommitAndForgetsItsRecords() {
        schedule.assigned(List.of(IMAGES_0, IMAGES_1));
        receive(IMAGES_0, 0, 3, 0);
        receive(IMAGES_1, 0, 0, 0);
        schedule.acked(IMAGES_0, 0);
        schedule.acked(IMAGES_0, 1);
        schedule.acked(IMAGES_0, 3);

        assertThat(schedule.revoked(List.of(IMAGES_0)))
                .isEqualTo(Map.of(IMAGES_0, new OffsetAndMetadata(2)));

        assertThat(schedule.acked(IMAGES_0, 2)).as("a late ack of a revoked partition").isFalse();
        assertThat(schedule.received(IMAGES_0, 4, 0)).as("a record of a partition not held").isFalse();
        assertThat(schedule.movable()).isEmpty();
        assertThat(schedule.waiting()).as("only the other partition's record").isEqualTo(1);
        assertThat(schedule.revoked(List.of(IMAGES_1))).as("nothing acked, nothing to commit").isEmpty();
    }

    @Test
    void aPartitionAssignedAgainStartsAfreshAndIgnoresAcksOfItsEarlierRecords() {
        schedule.assigned(List.of(IMAGES_0));
        receive(IMAGES_0, 0, 4, 0);
        schedule.assigned(List.of(IMAGES_0));
        receive(IMAGES_0, 10, 11, 0);

        assertThat(schedule.acked(IMAGES_0, 3)).isFalse();
        assertThat(schedule.next(0)).isEqualTo(new CommitSchedule.Idle());
        schedule.acked(IMAGES_0, 10);
        assertThat(schedule.next(0)).isEqualTo(commit(Map.of(IMAGES_0, 11L)));
    }

    @Test
    void aRecordReceivedAgainAfterASeekDropsTheRecordsFromThereOn() {
        schedule.assigned(List.of(IMAGES_0));
        receive(IMAGES_0, 0, 4, 0);
        schedule.acked(IMAGES_0, 3);

        assertThat(schedule.received(IMAGES_0, 2, 0)).isTrue();
        assertThat(schedule.waiting()).as("0, 1 and 2 again").isEqualTo(3);
        assertThat(schedule.acked(IMAGES_0, 4)).as("beyond what is received now").isFalse();

        schedule.acked(IMAGES_0, 0);
        schedule.acked(IMAGES_0, 1);
        schedule.acked(IMAGES_0, 2);
        assertThat(schedule.next(0)).as("the ack of 3 before the seek is forgotten").isEqualTo(commit(Map.of(IMAGES_0, 3L)));
    }

    @Test
    void theOldestRecordWaitingForItsAckIsReportedWithItsAge() {
        schedule.assigned(List.of(IMAGES_0, IMAGES_1));
        receive(IMAGES_0, 0, 1, 100 * MS);
        receive(IMAGES_1, 5, 6, 300 * MS);
        schedule.acked(IMAGES_1, 5);

        assertThat(schedule.oldest(1000 * MS)).contains(new CommitSchedule.Oldest(IMAGES_0, 0, 900 * MS, 2));
        schedule.acked(IMAGES_0, 0);
        schedule.acked(IMAGES_0, 1);
        assertThat(schedule.oldest(1000 * MS)).contains(new CommitSchedule.Oldest(IMAGES_1, 6, 700 * MS, 1));
        schedule.acked(IMAGES_1, 6);
        assertThat(schedule.oldest(1000 * MS)).isEmpty();
    }

    @Test
    void theIntervalMustBePositive() {
        assertThatThrownBy(() -> new CommitSchedule(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be > 0");
    }
}
