package io.blip2stream.messaging;

import io.blip2stream.api.WireResult;
import org.jboss.logging.Logger;

/**
 * At-least-once: each result goes out through the output channels, and its record is acked once
 * Kafka acknowledged every write ({@link AckedPrefixCommit} then commits the offset), or
 * nacked when a write fails.
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
        try {
            publisher.publish(ticket.record, result).whenComplete((ok, t) -> {
                if (t == null) {
                    ticket.ack();
                } else {
                    LOG.errorf(t, "cannot write the result of %s; the record stays uncommitted", result.id());
                    ticket.nack(t);
                }
            });
        } catch (RuntimeException t) {
            LOG.errorf(t, "cannot write the result of %s; the record stays uncommitted", result.id());
            ticket.nack(t);
        }
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
