package io.blip2stream.onnx;

/**
 * The attention mask and position ids of an OPT decoding loop (left padding): positions are
 * cumsum(mask) - 1 with pads 0 for the prompt, then +1 per row and step; the mask grows by one
 * column of ones per step.
 */
final class OptMask {
    private long[] mask;        // [rows, length]
    private int length;
    private long[] lastPos;     // [rows]

    /**
     * Starts from the prompt's mask.
     *
     * @param promptMask long[rows * t]  // [rows, t]
     * @return the prompt's position ids, long[rows * t]  // [rows, t]
     */
    long[] start(long[] promptMask, int rows, int t) {
        mask = promptMask.clone();
        length = t;
        long[] pos = OptLanguageModel.positionIds(mask, rows, t);
        lastPos = new long[rows];
        for (int b = 0; b < rows; b++) {
            lastPos[b] = pos[b * t + t - 1];
        }
        return pos;
    }

    /**
     * One more token per row.
     *
     * @return its position ids, long[rows]  // [rows, 1]
     */
    long[] grow(int rows) {
        long[] grown = new long[rows * (length + 1)];   // [rows, length + 1]
        long[] pos = new long[rows];
        for (int b = 0; b < rows; b++) {
            System.arraycopy(mask, b * length, grown, b * (length + 1), length);
            grown[b * (length + 1) + length] = 1;
            pos[b] = ++lastPos[b];
        }
        mask = grown;
        length++;
        return pos;
    }

    /** New row {@code i} is old row {@code source[i]}. */
    void gather(int[] source) {
        mask = CachedStep.gatherRows(mask, length, source);   // [rows', length]
        long[] p = new long[source.length];                   // [rows']
        for (int i = 0; i < source.length; i++) {
            p[i] = lastPos[source[i]];
        }
        lastPos = p;
    }

    /** long[rows * length]  // [rows, length] */
    long[] mask() {
        return mask;
    }
}
