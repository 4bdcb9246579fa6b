package io.blip2stream.pipeline;

/**
 * The processor's {@code input_ids} and {@code attention_mask} for a batch, padded to the longest
 * row on the bundle's padding side, with Q {@code <image>} ids in front of every row.
 *
 * @param rows          B
 * @param length        T = Q + longest text
 * @param inputIds      long[B * T]  // [B, T]
 * @param attentionMask long[B * T]  // [B, T]
 */
public record TokenizedBatch(int rows, int length, long[] inputIds, long[] attentionMask) {

    /** Row {@code b} of the ids. */
    public long[] ids(int b) {
        return java.util.Arrays.copyOfRange(inputIds, b * length, (b + 1) * length);
    }

    /** Row {@code b} of the mask. */
    public long[] mask(int b) {
        return java.util.Arrays.copyOfRange(attentionMask, b * length, (b + 1) * length);
    }
}
