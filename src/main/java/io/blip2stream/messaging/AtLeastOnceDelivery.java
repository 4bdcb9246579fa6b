package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.WireResult;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.jboss.logging.Logger;

/**
 * At-least-once: each result goes out through the output channels, and its record is acked once
 * Kafka acknowledged every write ({@link AckedPrefixCommit} then commits the offset), or
 * nacked when a write fails for a while (the broker away: the record is read again after a
 * restart). A write that can never succeed (the record too large for the broker, refused as
 * invalid) must not stop the channel: the record gets an error result (and its bounded dead
 * letter) instead, and is acked even if that cannot be written either.
 */
final class AtLeastOnceDelivery implements ResultDelivery {

    private static final Logger LOG = Logger.getLogger(AtLeastOnceDelivery.class);

    private final ResultPublisher publisher;

    AtLeastOnceDelivery(ResultPublisher publisher) {
        this.publisher = publisher;
    }

    @Override
    public void received(Ticket ticket) {
        // the commit strategy tracks received records itself
    }

    @Override
    public void deliver(Ticket ticket, WireResult result) {
        write(ticket, result, true);
    }

    private void write(Ticket ticket, WireResult result, boolean firstTry) {
        try {
            publisher.publish(ticket.record, result).whenComplete((ok, t) -> {
                if (t == null) {
                    ticket.ack();
                } else {
                    failed(ticket, result, firstTry, t);
                }
            });
        } catch (RuntimeException t) {
            failed(ticket, result, firstTry, t);
        }
    }

    private void failed(Ticket ticket, WireResult result, boolean firstTry, Throwable t) {
        if (!isPermanent(t)) {
            LOG.errorf(t, "cannot write the result of %s; the record stays uncommitted", result.id());
            ticket.nack(t);
        } else if (firstTry) {
            LOG.warnf("the result of %s cannot be written (%s); writing an error result instead", result.id(), cause(t));
            write(ticket, ErrorResult.of(result.id(), result.task(), new Blip2Exception(ErrorCode.INFERENCE_FAILED,
                    "the result could not be written: " + cause(t)), result.source()), false);
        } else {
            LOG.errorf("not even an error result of %s can be written (%s); the record is committed without one",
                    result.id(), cause(t));
            ticket.ack();
        }
    }

    /** Whether a failed write would fail the same way every time (retrying it only stops the channel). */
    static boolean isPermanent(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RecordTooLargeException || c instanceof RecordBatchTooLargeException
                    || c instanceof InvalidRecordException || c instanceof SerializationException) {
                return true;
            }
        }
        return false;
    }

    private static String cause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @Override
    public boolean alive() {
        return true;
    }

    @Override
    public void close() {
        // the output channels belong to the connector
    }
}
