package io.blip2stream.api;

/**
 * Every error a caller can get back, on the wire and from the command line. Each has a stable
 * message id (used as the dead-letter reason prefix, "BLIP2-1003") that never changes meaning.
 */
public enum ErrorCode {
    INVALID_REQUEST(1001, "the request is malformed or has an option out of range"),
    INVALID_IMAGE(1002, "the image bytes could not be decoded"),
    UNSUPPORTED_IMAGE_FORMAT(1003, "the image format is not supported"),
    IMAGE_TOO_LARGE(1004, "the image exceeds a size limit"),
    PROMPT_TOO_LONG(1005, "the prompt exceeds the token limit"),
    URL_NOT_ALLOWED(1006, "the image URL is not allowed"),
    IMAGE_FETCH_FAILED(1007, "the image URL could not be fetched"),
    INFERENCE_FAILED(1008, "the model failed on this request"),
    DEADLINE_EXCEEDED(1009, "the request was not served within its deadline");

    private final int messageId;
    private final String summary;

    ErrorCode(int messageId, String summary) {
        this.messageId = messageId;
        this.summary = summary;
    }

    /** Stable numeric id of this error's message. */
    public int messageId() {
        return messageId;
    }

    /** Stable printable id, e.g. {@code BLIP2-1004}. */
    public String id() {
        return "BLIP2-" + messageId;
    }

    public String summary() {
        return summary;
    }
}
