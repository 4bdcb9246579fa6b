package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The error of a failed request.
 *
 * @param code      the {@link ErrorCode} name
 * @param messageId the stable message id, e.g. {@code BLIP2-1004}
 * @param message   what went wrong, for people
 * @param limit     the limit that was broken, when the error is about one
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ErrorBody(String code, @JsonProperty("message_id") String messageId, String message, Long limit) {

    public static ErrorBody of(Blip2Exception e) {
        return new ErrorBody(e.code().name(), e.code().id(), e.detail(),
                e.limit().isPresent() ? e.limit().getAsLong() : null);
    }
}
