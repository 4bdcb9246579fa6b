package io.blip2stream.cli;

import java.util.Objects;

/** A command failed for a reason of its own (see {@link CommandError}), not a request's. */
final class CommandException extends RuntimeException {
    private final CommandError error;

    CommandException(CommandError error, String message) {
        this(error, message, null);
    }

    CommandException(CommandError error, String message, Throwable cause) {
        super(message, cause);
        this.error = Objects.requireNonNull(error);
    }

    CommandError error() {
        return error;
    }
}
