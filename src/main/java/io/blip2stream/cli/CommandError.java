package io.blip2stream.cli;

/**
 * Failures of the commands that are not a request's (those are {@link io.blip2stream.api.ErrorCode}):
 * each with a stable id and the exit status it ends the command with.
 */
public enum CommandError {
    INVALID_BUNDLE(2001, ExitStatus.USAGE, "the model bundle cannot be loaded"),
    KAFKA_UNAVAILABLE(2002, ExitStatus.UNAVAILABLE, "Kafka did not answer in time"),
    NO_RESULT(2003, ExitStatus.UNAVAILABLE, "results did not arrive within the timeout"),
    KAFKA_FAILED(2004, ExitStatus.FAILED, "Kafka refused a call"),
    OUTPUT_FAILED(2005, ExitStatus.FAILED, "an output file could not be written");

    private final int messageId;
    private final int exitStatus;
    private final String summary;

    CommandError(int messageId, int exitStatus, String summary) {
        this.messageId = messageId;
        this.exitStatus = exitStatus;
        this.summary = summary;
    }

    /** Stable printable id, e.g. {@code BLIP2-2001}. */
    public String id() {
        return "BLIP2-" + messageId;
    }

    public int exitStatus() {
        return exitStatus;
    }

    public String summary() {
        return summary;
    }
}
