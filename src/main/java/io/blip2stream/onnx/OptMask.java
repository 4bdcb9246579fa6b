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
        long[] pos = new long[rows];
        for (int b = 0; b < rows; b++) {
            pos[b] = ++lastPos[b];
        }
        mask = MaskRows.growOnes(mask, rows, length);
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

    /** Columns of the mask (the cache's length). */
    int length() {
        return length;
    }

    int rows() {
        return lastPos.length;
    }

    /**
     * Appends {@code other}'s rows (newcomers), both sides left-padded to the longer length: a row's
     * positions and the columns it attends to are unchanged, so it decodes as it would alone.
     *
     * @return the zero columns put before this side's rows and before {@code other}'s: {pad, padOther}
     */
    int[] append(OptMask other) {
        int[] pads = padsToJoin(other);
        int rows = rows();
        int more = other.rows();
        mask = MaskRows.appendRows(mask, rows, length, pads[0], other.mask, more, other.length, pads[1], true);
        length += pads[0];
        long[] pos = java.util.Arrays.copyOf(lastPos, rows + more);
        System.arraycopy(other.lastPos, 0, pos, rows, more);
        lastPos = pos;
        return pads;
    }

    /** The left pads that {@link #append} would put before this side's rows and before {@code other}'s. */
    int[] padsToJoin(OptMask other) {
        int len = Math.max(length, other.length);
        return new int[]{len - length, len - other.length};
    }

    /** Leading columns that every row pads (mask 0): the columns compaction may drop. */
    int commonPadding() {
        return MaskRows.commonLeading(mask, rows(), length);
    }

    /** Drops the first {@code count} columns (all pads: {@link #commonPadding()}). */
    void dropLeading(int count) {
        mask = MaskRows.columns(mask, rows(), length, count, length);
        length -= count;
    }
}
