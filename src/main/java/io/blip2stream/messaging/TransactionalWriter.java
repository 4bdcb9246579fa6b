package io.blip2stream.messaging;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Writes finished records' results together with their consumed offsets, one Kafka transaction at
 * a time, on one thread. Finished records wait in an {@link OffsetLedger} until every earlier
 * record of their partition is finished too; a transaction then carries every such result and, per
 * input channel, the offsets after them with that channel's consumer group metadata
 * ({@code sendOffsetsToTransaction}: the group coordinator refuses a member that left the group or
 * missed a rebalance, which fences a stale instance). Records are acked only after the commit.
 * <p>
 * An aborted transaction commits nothing; the next attempt writes the results of the records still
 * held. After {@code maxAttempts} failed attempts for the same records, or an error the producer
 * cannot recover from, every record held is nacked and stays uncommitted, to be read again.
 * Thread-safe.
 *
 * @param <I> what is kept per record, to settle it
 */
final class TransactionalWriter<I> {

    /** How records leave the writer. */
    interface Settler<I> {

        /** The record is done: committed, or dropped because its partition moved to another consumer. */
        void ack(I item);

        /** The record's result could not be written; its offset stays uncommitted. */
        void nack(I item, Throwable why);

        /** A transaction ended: committed with {@code records} records' results and offsets, or aborted. */
        default void transactionEnded(boolean committed, int records) {
        }
    }

    private static final Logger LOG = Logger.getLogger(TransactionalWriter.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Supplier<Producer<byte[], byte[]>> producers;
    private final Function<String, ConsumerGroupMetadata> groups;
    private final Settler<I> settler;
    private final int maxAttempts;
    private final Duration backoff;

    private final Object lock = new Object();
    /** Records dropped by the ledger, settled outside the lock. Guarded by {@link #lock}. */
    private final List<I> dropped = new ArrayList<>();
    /** Guarded by {@link #lock}. */
    private final OffsetLedger<I, List<ProducerRecord<byte[], byte[]>>> ledger = new OffsetLedger<>(dropped::add);
    /** Why results can no longer be written; null while they can. Guarded by {@link #lock}. */
    private Throwable failure;
    /** Guarded by {@link #lock}. */
    private boolean closing;
    private volatile Producer<byte[], byte[]> producer;
    private volatile Thread thread;

    /**
     * @param producers   opens the transactional producer (on {@link #start})
     * @param groups      the current consumer group metadata of an input channel's consumer
     * @param maxAttempts transactions tried for the same records before giving up
     * @param backoff     wait after the first aborted transaction, growing linearly
     */
    TransactionalWriter(Supplier<Producer<byte[], byte[]>> producers, Function<String, ConsumerGroupMetadata> groups,
                        Settler<I> settler, int maxAttempts, Duration backoff) {
        this.producers = producers;
        this.groups = groups;
        this.settler = settler;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
    }

    /** Opens the producer, registers its transactional.id with the coordinator and starts the writer thread. */
    void start(String threadName) {
        Producer<byte[], byte[]> p = producers.get();
        p.initTransactions();
        producer = p;
        thread = Thread.ofPlatform().name(threadName).start(this::writeLoop);
    }

    /** Partitions assigned to {@code channel}'s consumer in consumer group generation {@code generation}. */
    void assigned(String channel, Collection<TopicPartition> partitions, int generation) {
        synchronized (lock) {
            ledger.assigned(channel, partitions, generation);
        }
        settleDropped();
    }

    /** Partitions revoked or lost: their records are dropped unwritten, the new owner reads them again. */
    void revoked(Collection<TopicPartition> partitions) {
        synchronized (lock) {
            ledger.revoked(partitions);
        }
        settleDropped();
    }

    /** A record received (polled in generation {@code generation}); within a partition, in offset order. */
    void received(TopicPartition partition, long offset, int generation, I item) {
        synchronized (lock) {
            if (failure == null) {
                ledger.register(partition, offset, generation, item);
            }
        }
        settleDropped();
    }

    /** The records to write for a received record. */
    void finished(I item, List<ProducerRecord<byte[], byte[]>> records) {
        Throwable failed;
        synchronized (lock) {
            failed = failure;
            if (failed == null && ledger.complete(item, records)) {
                lock.notifyAll();
            }
            // not held: dropped (its partition moved) and settled already
        }
        if (failed != null) {
            settler.nack(item, failed);
        }
    }

    /** False once the writer gave up: records are nacked from then on. */
    boolean alive() {
        synchronized (lock) {
            return failure == null;
        }
    }

    /** Writes what is finished and releasable, then closes the producer; records still held stay uncommitted. */
    void close(Duration timeout) {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        Thread t = thread;
        if (t == null) {
            return;
        }
        try {
            t.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(CLOSE_TIMEOUT);
    }

    private void settleDropped() {
        List<I> settle;
        synchronized (lock) {
            if (dropped.isEmpty()) {
                return;
            }
            settle = List.copyOf(dropped);
            dropped.clear();
        }
        settle.forEach(settler::ack);
    }

    private void writeLoop() {
        try {
            while (true) {
                OffsetLedger.Release<I, List<ProducerRecord<byte[], byte[]>>> release;
                synchronized (lock) {
                    while ((release = ledger.release()).isEmpty() && !closing && failure == null) {
                        lock.wait();
                    }
                    if (release.isEmpty() || failure != null) {
                        return;
                    }
                }
                commit(release);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        } catch (RuntimeException | Error e) {
            fail(e);
        }
    }

    /** Commits a release, trying again with what is still held after an aborted transaction. */
    private void commit(OffsetLedger.Release<I, List<ProducerRecord<byte[], byte[]>>> release)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                transaction(release);
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                     | UnsupportedVersionException e) {
                throw e; // the producer cannot go on
            } catch (RuntimeException e) {
                producer.abortTransaction();
                settler.transactionEnded(false, release.entries().size());
                if (attempt >= maxAttempts) {
                    throw new IllegalStateException("the transaction failed " + attempt + " times", e);
                }
                LOG.warnf(e, "transaction aborted (attempt %d of %d); its records stay uncommitted, those still held are written again",
                        attempt, maxAttempts);
                Thread.sleep(backoff.toMillis() * attempt);
                synchronized (lock) {
                    release = ledger.release();
                }
                settleDropped();
                if (release.isEmpty()) {
                    return;
                }
                continue;
            }
            List<I> committed;
            synchronized (lock) {
                committed = ledger.committed(release);
            }
            settler.transactionEnded(true, release.entries().size());
            committed.forEach(settler::ack);
            return;
        }
    }

    /** One transaction: every result of the release, and each channel's offsets with its consumer's group metadata. */
    private void transaction(OffsetLedger.Release<I, List<ProducerRecord<byte[], byte[]>>> release) {
        producer.beginTransaction();
        for (OffsetLedger.Entry<I, List<ProducerRecord<byte[], byte[]>>> e : release.entries()) {
            e.result().forEach(producer::send);
        }
        release.offsets().forEach((channel, offsets) ->
                producer.sendOffsetsToTransaction(offsets, groups.apply(channel)));
        producer.commitTransaction();
    }

    /** The writer gives up: every record held is nacked and stays uncommitted. */
    private void fail(Throwable why) {
        List<I> held;
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            failure = why;
            held = ledger.clear();
        }
        settleDropped();
        LOG.errorf(why, "exactly-once delivery stopped; %d records stay uncommitted and are read again after a restart",
                held.size());
        held.forEach(item -> settler.nack(item, why));
        producer.close(Duration.ZERO);
    }
}
