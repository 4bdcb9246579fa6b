package io.blip2stream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;

import java.io.PrintStream;

/**
 * The one error shape of every command: {@code {"error":{"code","id","message","limit"}}} on
 * stdout, one line, and the command's exit status.
 *
 * @param code       the error's name, e.g. {@code INVALID_REQUEST}, {@code NO_RESULT}
 * @param id         its stable id, e.g. {@code BLIP2-1001}
 * @param message    what is wrong, for people
 * @param limit      the limit that was broken, or null
 * @param exitStatus the status the command ends with ({@link ExitStatus})
 */
record CliError(String code, String id, String message, Long limit, int exitStatus) {

    /** A request-level error (a bad option, image or prompt), ending the command with {@code exitStatus}. */
    static CliError of(Blip2Exception e, int exitStatus) {
        return new CliError(e.code().name(), e.code().id(), e.detail(),
                e.limit().isPresent() ? e.limit().getAsLong() : null, exitStatus);
    }

    static CliError of(CommandException e) {
        return of(e.error(), e.getMessage());
    }

    static CliError of(CommandError error, String message) {
        return new CliError(error.name(), error.id(), message, null, error.exitStatus());
    }

    ObjectNode json() {
        ObjectNode n = JsonOut.MAPPER.createObjectNode();
        n.put("code", code);
        n.put("id", id);
        n.put("message", message);
        if (limit != null) {
            n.put("limit", limit);
        }
        return n;
    }

    /** Prints {@code {"error":{…}}} as one line. @return the exit status */
    int print(PrintStream out) {
        try {
            out.println(JsonOut.MAPPER.writeValueAsString(JsonOut.wrapError(json())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
        out.flush();
        return exitStatus;
    }

    /** As {@link #print}, with a pointer to the command's usage on {@code err}. */
    int printWithHint(String command, PrintStream out, PrintStream err) {
        err.println("blip2 " + command + ": " + message + " (see: blip2 " + command + " --help)");
        return print(out);
    }
}
