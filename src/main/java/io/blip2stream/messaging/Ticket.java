package io.blip2stream.messaging;

import org.eclipse.microprofile.reactive.messaging.Message;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One consumed record in flight: acked or nacked exactly once, whatever path it takes.
 */
final class Ticket {

    final Message<byte[]> message;
    final IncomingRecord record;
    final Runnable onSettled;
    private final AtomicBoolean settled = new AtomicBoolean();
    volatile ServiceRequest request;
    /** When the worker took it into a batch (continuous batching: admitted to the running one). */
    volatile long startedNanos;

    Ticket(Message<byte[]> message, IncomingRecord record, Runnable onSettled) {
        this.message = message;
        this.record = record;
        this.onSettled = onSettled;
    }

    /** Acks the record (its result is written). Returns false if it was settled already. */
    boolean ack() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        try {
            message.ack();
        } finally {
            onSettled.run();
        }
        return true;
    }

    /**
     * Hands the record back: settled here without a result, neither acked nor nacked, so its offset
     * stays uncommitted and the partition's next owner reads it again. Returns false if it was
     * settled already.
     */
    boolean handBack() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        onSettled.run();
        return true;
    }

    /** Nacks the record (its result could not be written). Returns false if it was settled already. */
    boolean nack(Throwable why) {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        try {
            message.nack(why);
        } finally {
            onSettled.run();
        }
        return true;
    }
}
