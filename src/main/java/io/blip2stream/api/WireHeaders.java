package io.blip2stream.api;

/**
 * Kafka header names of the wire contract: request headers on {@code blip2.images}, CloudEvents
 * binary-mode headers on every result, and SmallRye-style dead-letter headers on {@code blip2.dlq}.
 * Header values are UTF-8 strings.
 */
public final class WireHeaders {

    /** Request id; else {@link #CE_ID}; else the record key as UTF-8; else {@code topic-partition-offset}. */
    public static final String ID = "blip2-id";
    /** {@code caption} (default on the images topic), {@code vqa} or {@code chat}. */
    public static final String TASK = "blip2-task";
    /** The question, for vqa and chat requests on the images topic. */
    public static final String QUESTION = "blip2-question";
    /** A JSON object of generation options (schemas/options.schema.json). */
    public static final String OPTIONS = "blip2-options";
    /** On results: the id of the request this result answers. */
    public static final String CORRELATION_ID = "blip2-correlation-id";

    /** CloudEvents Kafka protocol binding, binary mode. */
    public static final String CE_ID = "ce_id";
    public static final String CE_TYPE = "ce_type";
    public static final String CE_SOURCE = "ce_source";
    public static final String CE_SPECVERSION = "ce_specversion";
    public static final String CE_TIME = "ce_time";
    public static final String CONTENT_TYPE = "content-type";

    public static final String CE_SPECVERSION_VALUE = "1.0";
    public static final String JSON_CONTENT_TYPE = "application/json";
    /** {@code ce_type} of a caption result. */
    public static final String CE_TYPE_CAPTION = "io.blip2stream.caption.v1";
    /** {@code ce_type} of a vqa or chat result. */
    public static final String CE_TYPE_ANSWER = "io.blip2stream.answer.v1";
    /** {@code ce_type} of an error result (on the task's output topic). */
    public static final String CE_TYPE_ERROR = "io.blip2stream.error.v1";

    /** Dead-letter headers, named as SmallRye Reactive Messaging's Kafka dead-letter queue names them. */
    public static final String DEAD_LETTER_REASON = "dead-letter-reason";
    public static final String DEAD_LETTER_CAUSE = "dead-letter-cause";
    public static final String DEAD_LETTER_TOPIC = "dead-letter-topic";
    public static final String DEAD_LETTER_PARTITION = "dead-letter-partition";
    public static final String DEAD_LETTER_OFFSET = "dead-letter-offset";
    /**
     * {@code true} on a dead letter whose original record was too large to write again: its value
     * is then a {@link DeadLetterStub} (JSON) and the original headers are left out.
     */
    public static final String DEAD_LETTER_STUB = "blip2-dead-letter-stub";

    private WireHeaders() {
    }
}
