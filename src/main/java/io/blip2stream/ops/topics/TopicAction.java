package io.blip2stream.ops.topics;

/** What the {@code topics} command did, or would do, with one topic. */
public enum TopicAction {
    /** The topic was missing and has been created. */
    CREATED,
    /** The topic is missing; a dry run validated its creation with the broker but created nothing. */
    WOULD_CREATE,
    /** The topic already exists; it is left as it is and compared with its definition. */
    EXISTS
}
