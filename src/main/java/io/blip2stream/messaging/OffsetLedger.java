package io.blip2stream.messaging;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Which consumed records can be committed, and with which results, in exactly-once mode. Records
 * are registered as they are received (within a partition, in offset order); a record is done
 * when its result is ready. Batches finish out of order (other options, claim-check fetches,
 * records refused before any batch), but a partition's committed offset can only move past a
 * contiguous run of done records. So a {@link Release} holds the done records at the head of each
 * partition, with the offset after the last of them: writing those results and committing those
 * offsets in one transaction never commits a record whose result is not written, and never writes
 * a result whose record stays uncommitted.
 * <p>
 * Records of a partition this consumer does not hold (not assigned, or polled in a consumer group
 * generation before the partition was last assigned) are dropped: the partition's owner reads them
 * again from the committed offset. Dropped items go to the {@code dropped} callback, once each.
 * Not thread-safe: callers synchronise.
 *
 * @param <I> what is kept per record (to settle it once its offset is committed)
 * @param <R> the result written for a record
 */
final class OffsetLedger<I, R> {

    /** One registered record. */
    static final class Entry<I, R> {
        private final TopicPartition partition;
        private final long offset;
        private final I item;
        private R result;

        private Entry(TopicPartition partition, long offset, I item) {
            this.partition = partition;
            this.offset = offset;
            this.item = item;
        }

        TopicPartition partition() {
            return partition;
        }

        long offset() {
            return offset;
        }

        I item() {
            return item;
        }

        /** The result, once done; null before. */
        R result() {
            return result;
        }
    }

    /**
     * Done records to write, and the offsets to commit with them.
     *
     * @param entries by partition, in offset order
     * @param offsets by input channel (whose consumer's group metadata goes with them): the next
     *                offset to read of each partition that moves
     */
    record Release<I, R>(List<Entry<I, R>> entries, Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets) {

        boolean isEmpty() {
            return entries.isEmpty();
        }
    }

    /** A held partition: the generation it was assigned in, and its uncommitted records in offset order. */
    private static final class Held<I, R> {
        final String channel;
        final int generation;
        final ArrayDeque<Entry<I, R>> entries = new ArrayDeque<>();

        Held(String channel, int generation) {
            this.channel = channel;
            this.generation = generation;
        }
    }

    private final Map<TopicPartition, Held<I, R>> held = new LinkedHashMap<>();
    private final Map<I, Entry<I, R>> byItem = new IdentityHashMap<>();
    private final Consumer<I> dropped;

    /** @param dropped called once for each item dropped without a commit */
    OffsetLedger(Consumer<I> dropped) {
        this.dropped = dropped;
    }

    /**
     * Partitions assigned to {@code channel}'s consumer in consumer group generation
     * {@code generation}. A partition assigned again starts afresh: what was held is dropped.
     */
    void assigned(String channel, Collection<TopicPartition> partitions, int generation) {
        for (TopicPartition p : partitions) {
            dropAll(held.put(p, new Held<>(channel, generation)));
        }
    }

    /** Partitions revoked or lost: their records are dropped, the new owner reads them again. */
    void revoked(Collection<TopicPartition> partitions) {
        for (TopicPartition p : partitions) {
            dropAll(held.remove(p));
        }
    }

    /**
     * A record received, polled in consumer group generation {@code generation}.
     *
     * @return whether it is held; if not, it was dropped (its partition is not held, or was
     * assigned again since the record was polled). A record at or before an offset already held
     * (the consumer went back) drops the held records from its offset on: they come again.
     */
    boolean register(TopicPartition partition, long offset, int generation, I item) {
        Held<I, R> h = held.get(partition);
        if (h == null || generation < h.generation) {
            dropped.accept(item);
            return false;
        }
        // the consumer went back (a seek): what was held from there on comes again
        while (!h.entries.isEmpty() && h.entries.peekLast().offset >= offset) {
            Entry<I, R> e = h.entries.pollLast();
            byItem.remove(e.item);
            dropped.accept(e.item);
        }
        Entry<I, R> e = new Entry<>(partition, offset, item);
        h.entries.addLast(e);
        byItem.put(item, e);
        return true;
    }

    /**
     * The result of a registered record is ready.
     *
     * @return false when the record is no longer held (it was dropped)
     */
    boolean complete(I item, R result) {
        Entry<I, R> e = byItem.get(item);
        if (e == null) {
            return false;
        }
        if (e.result != null) {
            throw new IllegalStateException("a second result for the record at offset " + e.offset + " of " + e.partition);
        }
        e.result = result;
        return true;
    }

    /** The done records at the head of each partition, and the offsets they let each partition commit. */
    Release<I, R> release() {
        List<Entry<I, R>> entries = new ArrayList<>();
        Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets = new LinkedHashMap<>();
        held.forEach((partition, h) -> {
            Entry<I, R> last = null;
            for (Entry<I, R> e : h.entries) {
                if (e.result == null) {
                    break;
                }
                entries.add(e);
                last = e;
            }
            if (last != null) {
                offsets.computeIfAbsent(h.channel, c -> new LinkedHashMap<>())
                        .put(partition, new OffsetAndMetadata(last.offset + 1));
            }
        });
        return new Release<>(entries, offsets);
    }

    /**
     * A release was committed: its records leave the ledger.
     *
     * @return the items of the released records still held (those dropped meanwhile are settled already)
     */
    List<I> committed(Release<I, R> release) {
        List<I> items = new ArrayList<>(release.entries().size());
        for (Entry<I, R> e : release.entries()) {
            Held<I, R> h = held.get(e.partition);
            if (h != null && h.entries.peekFirst() == e) {
                h.entries.pollFirst();
                byItem.remove(e.item);
                items.add(e.item);
            }
        }
        return items;
    }

    /** Removes every record, done or not, and returns their items (to settle them). */
    List<I> clear() {
        List<I> items = new ArrayList<>(byItem.keySet());
        byItem.clear();
        held.values().forEach(h -> h.entries.clear());
        return items;
    }

    /** Records held, done or not. */
    int size() {
        return byItem.size();
    }

    private void dropAll(Held<I, R> h) {
        if (h == null) {
            return;
        }
        for (Entry<I, R> e : h.entries) {
            byItem.remove(e.item);
            dropped.accept(e.item);
        }
        h.entries.clear();
    }
}
