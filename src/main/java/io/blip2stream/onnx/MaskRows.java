package io.blip2stream.onnx;

/**
 * Row-major attention masks ({@code long[rows * length]}, 1 = attend, 0 = pad) as continuous
 * batching reshapes them: rows appended with padding on one side, columns grown or dropped.
 */
final class MaskRows {
    private MaskRows() {
    }

    /**
     * {@code a}'s rows, then {@code b}'s, each padded with {@code padA}/{@code padB} zero columns
     * at the start ({@code left}) or the end of its rows; both must come out equally long.
     *
     * @return long[(rowsA + rowsB) * (lenA + padA)]
     */
    static long[] appendRows(long[] a, int rowsA, int lenA, int padA, long[] b, int rowsB, int lenB, int padB,
                             boolean left) {
        int len = lenA + padA;
        if (lenB + padB != len) {
            throw new IllegalArgumentException("padded lengths differ: " + len + " and " + (lenB + padB));
        }
        long[] out = new long[(rowsA + rowsB) * len];
        for (int r = 0; r < rowsA; r++) {
            System.arraycopy(a, r * lenA, out, r * len + (left ? padA : 0), lenA);
        }
        for (int r = 0; r < rowsB; r++) {
            System.arraycopy(b, r * lenB, out, (rowsA + r) * len + (left ? padB : 0), lenB);
        }
        return out;
    }

    /** Leading columns that are 0 in every row. */
    static int commonLeading(long[] m, int rows, int len) {
        int common = len;
        for (int r = 0; r < rows && common > 0; r++) {
            int lead = 0;
            while (lead < common && m[r * len + lead] == 0) {
                lead++;
            }
            common = lead;
        }
        return common;
    }

    /** Trailing columns that are 0 in every row. */
    static int commonTrailing(long[] m, int rows, int len) {
        int common = len;
        for (int r = 0; r < rows && common > 0; r++) {
            int trail = 0;
            while (trail < common && m[r * len + len - 1 - trail] == 0) {
                trail++;
            }
            common = trail;
        }
        return common;
    }

    /** Columns {@code [start, end)} of every row: long[rows * (end - start)]. */
    static long[] columns(long[] m, int rows, int len, int start, int end) {
        int w = end - start;
        long[] out = new long[rows * w];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(m, r * len + start, out, r * w, w);
        }
        return out;
    }

    /** One more column of ones: long[rows * (len + 1)]. */
    static long[] growOnes(long[] m, int rows, int len) {
        long[] out = new long[rows * (len + 1)];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(m, r * len, out, r * (len + 1), len);
            out[r * (len + 1) + len] = 1;
        }
        return out;
    }

    /** long[rows * len] of ones. */
    static long[] ones(int rows, int len) {
        long[] out = new long[rows * len];
        java.util.Arrays.fill(out, 1L);
        return out;
    }
}
