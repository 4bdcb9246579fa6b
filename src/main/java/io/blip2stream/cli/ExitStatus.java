package io.blip2stream.cli;

/** The exit statuses every command shares. */
public final class ExitStatus {

    /** Done; every request got its result. */
    public static final int OK = 0;
    /**
     * The work ran but failed: a request got an error result, a Kafka call was refused, an output
     * file could not be written.
     */
    public static final int FAILED = 1;
    /**
     * The command line or its inputs are wrong, nothing was done: unknown command or option, a
     * value out of range, no such file, a bundle that cannot be loaded.
     */
    public static final int USAGE = 2;
    /** Kafka did not answer, or results did not arrive within the timeout. */
    public static final int UNAVAILABLE = 3;

    private ExitStatus() {
    }
}
