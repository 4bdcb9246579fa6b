package io.blip2stream.messaging;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which offsets an at-least-once consumer commits, and when: a plain state object, no threads and
 * no Kafka calls ({@link AckedPrefixCommit} drives it). Records are registered as they are received
 * (within a partition, in offset order) and acked in any order, once their results are written. A
 * partition may commit the offset after the contiguous run of acked records at its head, never
 * past a record still in flight.
 * <p>
 * Commits are coalesced: one commit at a time carries every partition that moved, and commits
 * start at least {@code interval} apart. The first ack that moves a partition after a quiet
 * interval is committed at once; acks during the interval wait for its end, so the work a crash
 * can make the next owner redo is what is in flight plus one interval of acknowledged results
 * (and the commit's round trip).
 * <p>
 * Not thread-safe: callers synchronise.
 */
final class CommitSchedule {

    /** What to do now. */
    sealed interface Decision {
    }

    /** Commit these offsets now (the next offset to read of each partition that moved); call {@link #commitEnded}. */
    record Commit(Map<TopicPartition, OffsetAndMetadata> offsets) implements Decision {
    }

    /** Offsets moved, but the last commit started less than an interval ago: ask again at {@code nanos}. */
    record WaitUntil(long nanos) implements Decision {
    }

    /** Nothing to commit, or a commit in flight (its end asks again). */
    record Idle() implements Decision {
    }

    /** The oldest record of a partition still waiting for its ack. */
    record Oldest(TopicPartition partition, long offset, long ageNanos, int waiting) {
    }

    private record Received(long offset, long nanos) {
    }

    /** A held partition: its records not yet acked in offset order, and the committable and committed offsets. */
    private static final class Held {
        final ArrayDeque<Received> waiting = new ArrayDeque<>();
        /** Acked offsets behind a record still waiting. */
        final Set<Long> ackedAhead = new HashSet<>();
        /** The offset after the acked prefix: what may be committed; -1 before the first ack. */
        long committable = -1;
        /** The last offset known committed; -1 before the first commit. */
        long committed = -1;
    }

    private final long intervalNanos;
    private final Map<TopicPartition, Held> held = new LinkedHashMap<>();
    private boolean inFlight;
    private boolean started;
    private long lastStartNanos;

    /** @param intervalNanos the least time between the starts of two commits, > 0 */
    CommitSchedule(long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("the commit interval must be > 0, got " + intervalNanos + " ns");
        }
        this.intervalNanos = intervalNanos;
    }

    /** Partitions assigned: each starts afresh (a partition assigned again forgets what it held). */
    void assigned(Collection<TopicPartition> partitions) {
        for (TopicPartition p : partitions) {
            held.put(p, new Held());
        }
    }

    /**
     * Partitions revoked (or lost): they leave the schedule.
     *
     * @return the offsets they may still commit (to commit synchronously before they move)
     */
    Map<TopicPartition, OffsetAndMetadata> revoked(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> last = new LinkedHashMap<>();
        for (TopicPartition p : partitions) {
            Held h = held.remove(p);
            if (h != null && h.committable > h.committed) {
                last.put(p, new OffsetAndMetadata(h.committable));
            }
        }
        return last;
    }

    /**
     * A record received at {@code nowNanos}.
     *
     * @return false when its partition is not held (the record is not tracked)
     */
    boolean received(TopicPartition partition, long offset, long nowNanos) {
        Held h = held.get(partition);
        if (h == null) {
            return false;
        }
        // the consumer went back (a seek): the records from there on come again
        while (!h.waiting.isEmpty() && h.waiting.peekLast().offset() >= offset) {
            h.ackedAhead.remove(h.waiting.pollLast().offset());
        }
        h.ackedAhead.removeIf(o -> o >= offset);
        h.waiting.addLast(new Received(offset, nowNanos));
        return true;
    }

    /**
     * The record at {@code offset} is acked (its result is written).
     *
     * @return false when it is not tracked (its partition was revoked or assigned again meanwhile)
     */
    boolean acked(TopicPartition partition, long offset) {
        Held h = held.get(partition);
        if (h == null || h.waiting.isEmpty() || offset < h.waiting.peekFirst().offset()
                || offset > h.waiting.peekLast().offset()) {
            return false;
        }
        h.ackedAhead.add(offset);
        while (!h.waiting.isEmpty() && h.ackedAhead.remove(h.waiting.peekFirst().offset())) {
            h.committable = Math.max(h.committable, h.waiting.pollFirst().offset() + 1);
        }
        return true;
    }

    /** What to do at {@code nowNanos}: commit, wait, or nothing. A {@link Commit} is in flight until {@link #commitEnded}. */
    Decision next(long nowNanos) {
        if (inFlight) {
            return new Idle();
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = movable();
        if (offsets.isEmpty()) {
            return new Idle();
        }
        if (started && nowNanos - lastStartNanos < intervalNanos) {
            return new WaitUntil(lastStartNanos + intervalNanos);
        }
        inFlight = true;
        started = true;
        lastStartNanos = nowNanos;
        return new Commit(offsets);
    }

    /** The commit of {@code offsets} ended; on failure they are carried by the next one. */
    void commitEnded(Map<TopicPartition, OffsetAndMetadata> offsets, boolean succeeded) {
        inFlight = false;
        if (succeeded) {
            committedOutside(offsets);
        }
    }

    /** Offsets committed by other means (a synchronous commit on stop). */
    void committedOutside(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((p, o) -> {
            Held h = held.get(p);
            if (h != null) {
                h.committed = Math.max(h.committed, o.offset());
            }
        });
    }

    /** The offsets that moved since their last commit, whatever the interval or a commit in flight. */
    Map<TopicPartition, OffsetAndMetadata> movable() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        held.forEach((p, h) -> {
            if (h.committable > h.committed) {
                offsets.put(p, new OffsetAndMetadata(h.committable));
            }
        });
        return offsets;
    }

    /** Records received and not yet acked, all partitions together. */
    int waiting() {
        int n = 0;
        for (Held h : held.values()) {
            n += h.waiting.size();
        }
        return n;
    }

    /** The record that has waited longest for its ack, if any waits. */
    Optional<Oldest> oldest(long nowNanos) {
        Oldest oldest = null;
        for (Map.Entry<TopicPartition, Held> e : held.entrySet()) {
            Received r = e.getValue().waiting.peekFirst();
            if (r != null && (oldest == null || nowNanos - r.nanos() > oldest.ageNanos())) {
                oldest = new Oldest(e.getKey(), r.offset(), nowNanos - r.nanos(), e.getValue().waiting.size());
            }
        }
        return Optional.ofNullable(oldest);
    }

    /** Last committed offset per held partition (for tests and logs); absent before a partition's first commit. */
    Map<TopicPartition, Long> committed() {
        Map<TopicPartition, Long> c = new HashMap<>();
        held.forEach((p, h) -> {
            if (h.committed >= 0) {
                c.put(p, h.committed);
            }
        });
        return c;
    }
}
