package io.blip2stream.messaging;

/**
 * Reactive Messaging channel names, shared by code, configuration and tests. Each channel's
 * topic is configured in application.properties from the {@code blip2.topics.*} keys.
 */
public final class Channels {

    /** Image records: value = encoded image bytes. */
    public static final String IMAGES_IN = "images-in";
    /** Question records: value = question JSON. */
    public static final String QUESTIONS_IN = "questions-in";
    /** Caption results. */
    public static final String CAPTIONS_OUT = "captions-out";
    /** vqa and chat results. */
    public static final String ANSWERS_OUT = "answers-out";
    /** Original records of failed requests, with dead-letter headers. */
    public static final String DLQ_OUT = "dlq-out";

    private Channels() {
    }
}
