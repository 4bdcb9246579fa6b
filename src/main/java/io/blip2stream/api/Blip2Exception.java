package io.blip2stream.api;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A typed failure of one request. Carries its {@link ErrorCode} and, where a limit was broken,
 * the limit itself (bytes, pixels, tokens, milliseconds), so callers never parse messages. The
 * message is capped at {@link Echo#MAX_MESSAGE_BYTES}: it is echoed into results, dead-letter
 * headers and logs, and may quote what a request sent.
 */
public class Blip2Exception extends RuntimeException {
    private final ErrorCode code;
    private final Long limit;

    public Blip2Exception(ErrorCode code, String message) {
        this(code, message, null, null);
    }

    public Blip2Exception(ErrorCode code, String message, Throwable cause) {
        this(code, message, null, cause);
    }

    public Blip2Exception(ErrorCode code, String message, Long limit, Throwable cause) {
        super(code.id() + ": " + Echo.cap(message, Echo.MAX_MESSAGE_BYTES), cause);
        this.code = Objects.requireNonNull(code);
        this.limit = limit;
    }

    /** A limit was broken: {@code what} was {@code actual}, the limit is {@code limit}. */
    public static Blip2Exception limit(ErrorCode code, String what, long actual, long limit) {
        return new Blip2Exception(code, what + " is " + actual + ", the limit is " + limit, limit, null);
    }

    public ErrorCode code() {
        return code;
    }

    /** The limit that was broken, if this error is about one. */
    public OptionalLong limit() {
        return limit == null ? OptionalLong.empty() : OptionalLong.of(limit);
    }

    /** The message without the id prefix. */
    public String detail() {
        String m = getMessage();
        String prefix = code.id() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
