package io.blip2stream.messaging;

/**
 * Limits checked when a record is mapped, before any work is done on it.
 *
 * @param maxImageBytes    most encoded image bytes (inline or fetched)
 * @param maxQuestionChars most characters in a question, a raw prompt or the whole chat, the
 *                         prompt template's own characters included
 * @param maxNewTokens     ceiling on {@code max_new_tokens}
 * @param deadlineMs       a request must be in a batch within this long after its record's timestamp
 * @param maxIdBytes       most UTF-8 bytes in a request id (from any source) and in a record key:
 *                         both are echoed into results and headers
 * @param maxUrlBytes      most UTF-8 bytes in a claim-check URL
 * @param maxTurns         most earlier turns in a chat's history
 */
public record RequestLimits(int maxImageBytes, int maxQuestionChars, int maxNewTokens, long deadlineMs,
                            int maxIdBytes, int maxUrlBytes, int maxTurns) {

    public static final int DEFAULT_MAX_ID_BYTES = 256;
    public static final int DEFAULT_MAX_URL_BYTES = 2048;
    public static final int DEFAULT_MAX_TURNS = 16;

    public RequestLimits {
        if (maxImageBytes < 1 || maxQuestionChars < 1 || maxNewTokens < 1 || deadlineMs < 1 || maxIdBytes < 16
                || maxUrlBytes < 16 || maxTurns < 0) {
            throw new IllegalArgumentException("every request limit must be >= 1 (ids and URLs >= 16 bytes, turns >= 0)");
        }
    }

    /** The given limits, and the defaults for ids, URLs and chat turns. */
    public RequestLimits(int maxImageBytes, int maxQuestionChars, int maxNewTokens, long deadlineMs) {
        this(maxImageBytes, maxQuestionChars, maxNewTokens, deadlineMs, DEFAULT_MAX_ID_BYTES, DEFAULT_MAX_URL_BYTES,
                DEFAULT_MAX_TURNS);
    }
}
