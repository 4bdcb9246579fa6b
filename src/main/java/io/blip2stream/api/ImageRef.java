package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The image of a question: inline ({@code base64}) or by reference ({@code url}, claim check).
 * Exactly one of the two is set in a valid request.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImageRef(String base64, String url) {
}
