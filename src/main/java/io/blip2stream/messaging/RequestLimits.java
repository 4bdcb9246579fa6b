package io.blip2stream.messaging;

/**
 * Limits checked when a record is mapped, before any work is done on it.
 *
 * @param maxImageBytes    most encoded image bytes (inline or fetched)
 * @param maxQuestionChars most characters in a question, a raw prompt or the whole chat history
 * @param maxNewTokens     ceiling on {@code max_new_tokens}
 * @param deadlineMs       a request must be in a batch within this long after its record's timestamp
 */
public record RequestLimits(int maxImageBytes, int maxQuestionChars, int maxNewTokens, long deadlineMs) {

    public RequestLimits {
        if (maxImageBytes < 1 || maxQuestionChars < 1 || maxNewTokens < 1 || deadlineMs < 1) {
            throw new IllegalArgumentException("every request limit must be >= 1");
        }
    }
}
