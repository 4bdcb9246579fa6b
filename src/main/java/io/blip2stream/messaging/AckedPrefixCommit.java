package io.blip2stream.messaging;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.IncomingKafkaRecord;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.vertx.mutiny.core.Vertx;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The at-least-once commit strategy of an input channel ({@value AckedPrefixCommitFactory#STRATEGY}):
 * commits each partition's offset as soon as a contiguous prefix of its records is acked (their
 * results written), asynchronously and coalesced ({@link CommitSchedule}: one commit at a time for
 * every partition that moved, at most one per {@code blip2.commit.interval}). Revoked partitions
 * commit what they may synchronously, on the polling thread, before they move; a graceful stop
 * waits (bounded) for the records in flight to be acked and commits synchronously.
 * <p>
 * Like the connector's {@code throttled} strategy, it marks the channel failed when a record waits
 * for its ack longer than {@code throttled.unprocessed-record-max-age.ms} (a record that is never
 * settled would hold its partition's offset back for ever).
 * <p>
 * The schedule is guarded by this object's lock: records are received on the connector's event
 * loop, acked on whatever thread wrote their results, and partitions move on the polling thread.
 */
final class AckedPrefixCommit implements KafkaCommitHandler {

    private static final Logger LOG = Logger.getLogger(AckedPrefixCommit.class);
    private static final long HEALTH_CHECK_MS = 1000;

    /** Is told how each commit ended (metrics). */
    interface CommitListener {
        /** A commit of {@code partitions} partitions ended after {@code nanos}. */
        void commitEnded(boolean succeeded, int partitions, long nanos);
    }

    /**
     * A record waited for its ack longer than the limit.
     *
     * @param limitMs {@code throttled.unprocessed-record-max-age.ms}
     */
    static final class UnackedRecordException extends RuntimeException {
        final long limitMs;

        UnackedRecordException(CommitSchedule.Oldest oldest, long limitMs) {
            super("the record at offset " + oldest.offset() + " of " + oldest.partition() + " has waited "
                    + TimeUnit.NANOSECONDS.toMillis(oldest.ageNanos()) + " ms for its result, the limit is " + limitMs
                    + " ms (" + oldest.waiting() + " records of the partition wait)", null, false, false);
            this.limitMs = limitMs;
        }
    }

    private final String channel;
    private final Vertx vertx;
    private final KafkaConsumer<?, ?> consumer;
    private final BiConsumer<Throwable, Boolean> reportFailure;
    private final CommitListener listener;
    private final long maxUnackedAgeMs;
    private final Duration stopWait;
    private final Duration commitTimeout;
    private final CommitSchedule schedule;
    private long timerId = -1;
    private long healthTimerId = -1;
    private boolean terminated;

    /**
     * @param interval        least time between two commits' starts
     * @param maxUnackedAgeMs the longest a record may wait for its ack before the channel is failed; <= 0: no check
     * @param stopWait        how long a graceful stop waits for the records in flight to be acked
     * @param commitTimeout   how long a synchronous commit may take on stop
     */
    AckedPrefixCommit(String channel, Vertx vertx, KafkaConsumer<?, ?> consumer,
                      BiConsumer<Throwable, Boolean> reportFailure, CommitListener listener, Duration interval,
                      long maxUnackedAgeMs, Duration stopWait, Duration commitTimeout) {
        this.channel = channel;
        this.vertx = vertx;
        this.consumer = consumer;
        this.reportFailure = reportFailure;
        this.listener = listener;
        this.maxUnackedAgeMs = maxUnackedAgeMs;
        this.stopWait = stopWait;
        this.commitTimeout = commitTimeout;
        this.schedule = new CommitSchedule(interval.toNanos());
    }

    @Override
    public <K, V> Uni<IncomingKafkaRecord<K, V>> received(IncomingKafkaRecord<K, V> record) {
        synchronized (this) {
            schedule.received(partition(record), record.getOffset(), System.nanoTime());
        }
        return Uni.createFrom().item(record);
    }

    @Override
    public <K, V> Uni<Void> handle(IncomingKafkaRecord<K, V> record) {
        synchronized (this) {
            if (schedule.acked(partition(record), record.getOffset())) {
                notifyAll();
            }
        }
        commitIfDue();
        return Uni.createFrom().voidItem();
    }

    @Override
    public void partitionsAssigned(Collection<TopicPartition> partitions) {
        synchronized (this) {
            schedule.assigned(partitions);
            if (maxUnackedAgeMs > 0 && healthTimerId == -1 && !terminated) {
                healthTimerId = vertx.setPeriodic(HEALTH_CHECK_MS, id -> checkHealth());
            }
        }
    }

    /** On the polling thread: what the revoked partitions may commit is committed before they move. */
    @Override
    public void partitionsRevoked(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> last;
        synchronized (this) {
            last = schedule.revoked(partitions);
        }
        if (last.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            consumer.unwrap().commitSync(last, commitTimeout);
            listener.commitEnded(true, last.size(), System.nanoTime() - start);
        } catch (KafkaException e) {
            // partitions lost rather than revoked cannot commit: their next owner reads them again
            listener.commitEnded(false, last.size(), System.nanoTime() - start);
            LOG.warnf("%s: cannot commit %s of revoked partitions (%s); their next owner reads them again",
                    channel, last, e.toString());
        }
    }

    @Override
    public void terminate(boolean graceful) {
        Map<TopicPartition, OffsetAndMetadata> last;
        synchronized (this) {
            if (terminated) {
                return;
            }
            if (graceful) {
                awaitAcks();
            }
            terminated = true;
            cancelTimers();
            last = schedule.movable();
        }
        if (last.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        try {
            consumer.commit(last).await().atMost(commitTimeout);
            synchronized (this) {
                schedule.committedOutside(last);
            }
            listener.commitEnded(true, last.size(), System.nanoTime() - start);
        } catch (RuntimeException e) {
            listener.commitEnded(false, last.size(), System.nanoTime() - start);
            LOG.warnf("%s: cannot commit %s on stop (%s); these records are read again", channel, last, e.toString());
        }
    }

    /** Holds the lock: waits until no record waits for its ack, at most {@link #stopWait}. */
    private void awaitAcks() {
        long deadline = System.nanoTime() + stopWait.toNanos();
        try {
            for (long left = stopWait.toNanos(); schedule.waiting() > 0 && left > 0; left = deadline - System.nanoTime()) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (schedule.waiting() > 0) {
            LOG.warnf("%s: %d records still in flight after %s; they are read again", channel, schedule.waiting(),
                    stopWait);
        }
    }

    /** Starts a commit when one is due, or arms the timer for when it will be. */
    private void commitIfDue() {
        CommitSchedule.Decision decision;
        synchronized (this) {
            if (terminated) {
                return;
            }
            decision = schedule.next(System.nanoTime());
            if (decision instanceof CommitSchedule.WaitUntil w && timerId == -1) {
                long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(w.nanos() - System.nanoTime() + 999_999));
                timerId = vertx.setTimer(ms, id -> {
                    synchronized (this) {
                        timerId = -1;
                    }
                    commitIfDue();
                });
            }
        }
        if (decision instanceof CommitSchedule.Commit c) {
            long start = System.nanoTime();
            consumer.commitAsync(c.offsets()).subscribe().with(
                    ok -> commitEnded(c.offsets(), null, start),
                    failure -> commitEnded(c.offsets(), failure, start));
        }
    }

    private void commitEnded(Map<TopicPartition, OffsetAndMetadata> offsets, Throwable failure, long start) {
        listener.commitEnded(failure == null, offsets.size(), System.nanoTime() - start);
        synchronized (this) {
            schedule.commitEnded(offsets, failure == null);
        }
        if (failure != null) {
            LOG.warnf("%s: cannot commit %s (%s); the next commit carries them", channel, offsets, failure.toString());
        }
        commitIfDue();
    }

    private void checkHealth() {
        CommitSchedule.Oldest oldest;
        synchronized (this) {
            oldest = schedule.oldest(System.nanoTime()).orElse(null);
        }
        if (oldest != null && TimeUnit.NANOSECONDS.toMillis(oldest.ageNanos()) > maxUnackedAgeMs) {
            UnackedRecordException e = new UnackedRecordException(oldest, maxUnackedAgeMs);
            LOG.errorf("%s: %s", channel, e.getMessage());
            reportFailure.accept(e, true);
        }
    }

    private void cancelTimers() {
        if (timerId != -1) {
            vertx.cancelTimer(timerId);
            timerId = -1;
        }
        if (healthTimerId != -1) {
            vertx.cancelTimer(healthTimerId);
            healthTimerId = -1;
        }
    }

    private static TopicPartition partition(IncomingKafkaRecord<?, ?> record) {
        return new TopicPartition(record.getTopic(), record.getPartition());
    }
}
