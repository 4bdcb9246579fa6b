package io.blip2stream.onnx;

/**
 * The language model's input for a batch of rows, as HF's processor builds it: the first Q
 * positions of every row are the {@code <image>} ids whose embeddings are replaced by the
 * vision output.
 *
 * @param rows          B
 * @param length        T (Q + padded text length)
 * @param inputIds      long[B * T], row-major            // [B, T]
 * @param attentionMask long[B * T], 1 = token, 0 = pad  // [B, T]
 * @param queryEmbeds   float[B * Q * D]                  // [B, Q, D]
 * @param numQuery      Q
 */
public record LmBatch(int rows, int length, long[] inputIds, long[] attentionMask, float[] queryEmbeds, int numQuery) {
    public LmBatch {
        if (rows < 1 || length <= numQuery) {
            throw new IllegalArgumentException("need rows >= 1 and length > Q, got rows=" + rows + " length=" + length);
        }
        if (inputIds.length != rows * length || attentionMask.length != rows * length) {
            throw new IllegalArgumentException("input_ids/attention_mask must be [rows, length]");
        }
        if (queryEmbeds.length % (rows * numQuery) != 0) {
            throw new IllegalArgumentException("query_embeds must be [rows, Q, D]");
        }
    }

    /** Text length S = T - Q. */
    public int textLength() {
        return length - numQuery;
    }

    /** The text part of the ids, without the image positions. */
    public long[] textIds() {                         // [B, S]
        return sliceText(inputIds);
    }

    public long[] textMask() {                        // [B, S]
        return sliceText(attentionMask);
    }

    private long[] sliceText(long[] src) {
        int s = textLength();
        long[] out = new long[rows * s];
        for (int b = 0; b < rows; b++) {
            System.arraycopy(src, b * length + numQuery, out, b * s, s);
        }
        return out;
    }
}
