package io.blip2stream.messaging;

import io.blip2stream.api.WireResult;

/**
 * How results reach Kafka and consumed records are settled ({@link DeliveryMode}): every received
 * record is announced, then gets exactly one result, and is acked or nacked exactly once.
 */
interface ResultDelivery {

    /** A record was received, before it is mapped; records of one partition arrive in offset order. */
    void received(Ticket ticket);

    /** Writes the result of a received record and settles the record once it is written. */
    void deliver(Ticket ticket, WireResult result);

    /** False once results can no longer be written: the records stay uncommitted and the service must restart. */
    boolean alive();

    /** After the drain: writes what is left, if it can, and releases the writer. */
    void close();
}
