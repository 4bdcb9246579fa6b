package io.blip2stream.api;

/** One earlier turn of a chat, as sent in {@code history}. */
public record ChatTurn(String question, String answer) {
}
