package io.blip2stream.pipeline.generate;

import java.util.Arrays;

/**
 * One hypothesis: the row's context ids followed by the tokens generated so far (what Hugging
 * Face holds as one row of {@code input_ids}). Mutable; beams copy it when they fork.
 */
final class TokenHistory {
    private final int contextLength;
    private int[] ids; // [capacity]: context ids, then generated ids
    private int length;

    TokenHistory(RowInput row, int maxNewTokens) {
        contextLength = row.contextLength();
        ids = new int[contextLength + maxNewTokens];
        for (int i = 0; i < contextLength; i++) {
            ids[i] = row.contextId(i);
        }
        length = contextLength;
    }

    private TokenHistory(TokenHistory other) {
        contextLength = other.contextLength;
        ids = other.ids.clone();
        length = other.length;
    }

    TokenHistory copy() {
        return new TokenHistory(this);
    }

    /** This hypothesis extended by one token, as a new history. */
    TokenHistory plus(int token) {
        TokenHistory next = copy();
        next.append(token);
        return next;
    }

    void append(int token) {
        if (length == ids.length) {
            ids = Arrays.copyOf(ids, ids.length * 2);
        }
        ids[length++] = token;
    }

    int length() {
        return length;
    }

    int get(int i) {
        return ids[i];
    }

    int last() {
        return ids[length - 1];
    }

    /** Number of generated tokens. */
    int generated() {
        return length - contextLength;
    }

    /** The generated tokens only. */
    int[] generatedIds() {
        return Arrays.copyOfRange(ids, contextLength, length);
    }
}
