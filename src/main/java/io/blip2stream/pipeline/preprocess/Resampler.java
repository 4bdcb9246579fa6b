package io.blip2stream.pipeline.preprocess;

/**
 * Resizes planar uint8 images exactly as torch does on the CPU for uint8 tensors (the path
 * torchvision's {@code resize} takes for Hugging Face's default image processors): separable,
 * horizontal pass first, then vertical, each in int16 fixed point with rounding and clamping to
 * 0..255 after every pass; a pass is skipped when its axis keeps its size. Nearest neighbour is
 * torchvision's {@code NEAREST_EXACT}. Stateless and thread-safe.
 */
final class Resampler {

    private Resampler() {
    }

    /**
     * Resizes each of {@code channels} planes of {@code src}.
     *
     * @param src planar pixels                    // [channels, inH, inW]
     * @return planar pixels                       // [channels, outH, outW]
     */
    static byte[] resize(byte[] src, int channels, int inW, int inH, int outW, int outH,
                         ResampleFilter filter, boolean antialias) {
        if (src.length != channels * inW * inH) {
            throw new IllegalArgumentException("expected " + channels * inW * inH + " bytes, got " + src.length);
        }
        if (inW == outW && inH == outH) {
            return src.clone();
        }
        if (filter == ResampleFilter.NEAREST) {
            return nearest(src, channels, inW, inH, outW, outH);
        }
        byte[] cur = src;
        int curW = inW;
        if (outW != inW) {
            ResampleWeights wx = ResampleWeights.compute(inW, outW, filter, antialias);
            cur = horizontal(cur, channels * inH, inW, wx);
            curW = outW;
        }
        if (outH != inH) {
            ResampleWeights wy = ResampleWeights.compute(inH, outH, filter, antialias);
            cur = vertical(cur, channels, curW, inH, wy);
        }
        return cur;
    }

    /**
     * One horizontal pass over {@code rows} rows, four rows at a time. Two rows share a
     * {@code long}, one per 32-bit lane: a 64-bit multiply-add then does the work of two 32-bit
     * ones, and the two sums come apart exactly (see {@link #lane}). Each output pixel sums its
     * taps along the row, as torch does; integer sums do not depend on their order.
     *
     * @param src rows of {@code w.inSize()} pixels  // [rows, inW]
     * @return rows of {@code w.outSize()} pixels    // [rows, outW]
     */
    static byte[] horizontal(byte[] src, int rows, int inW, ResampleWeights w) {
        int outW = w.outSize();
        byte[] out = new byte[rows * outW];  // [rows, outW]
        long[] rows01 = new long[inW];       // [inW] rows r (low lane) and r + 1 (high lane)
        long[] rows23 = new long[inW];       // [inW] rows r + 2 and r + 3
        int[] start = w.start();
        int[] count = w.count();
        short[] k = w.weights();
        int stride = w.stride();
        int prec = w.precision();
        long half = 1L << (prec - 1);
        long halves = half | half << 32;
        for (int r = 0; r < rows; r += 4) {
            pack(src, rows, inW, r, rows01);
            pack(src, rows, inW, r + 2, rows23);
            for (int x = 0; x < outW; x++) {
                long acc01 = halves;
                long acc23 = halves;
                int ko = x * stride;
                int s = start[x];
                for (int j = 0, n = count[x]; j < n; j++) {
                    long weight = k[ko + j];
                    acc01 += rows01[s + j] * weight;
                    acc23 += rows23[s + j] * weight;
                }
                store(out, rows, outW, r, x, acc01, prec);
                store(out, rows, outW, r + 2, x, acc23, prec);
            }
        }
        return out;
    }

    /** Rows {@code r} and {@code r + 1} of {@code src} into the low and high lanes of {@code dst}. */
    private static void pack(byte[] src, int rows, int inW, int r, long[] dst) {
        int low = r * inW;
        int high = low + inW;
        if (r + 1 < rows) {
            for (int x = 0; x < inW; x++) {
                dst[x] = (src[low + x] & 0xFFL) | (src[high + x] & 0xFFL) << 32;
            }
        } else if (r < rows) {
            for (int x = 0; x < inW; x++) {
                dst[x] = src[low + x] & 0xFFL;
            }
        }
        // past the last row: whatever dst holds is summed and never stored
    }

    /** The two sums of {@code acc} into rows {@code r} and {@code r + 1} of {@code out}, those that exist. */
    private static void store(byte[] out, int rows, int outW, int r, int x, long acc, int prec) {
        if (r < rows) {
            out[r * outW + x] = clamp(lane(acc, 0) >> prec);
        }
        if (r + 1 < rows) {
            out[(r + 1) * outW + x] = clamp(lane(acc, 1) >> prec);
        }
    }

    /**
     * Lane 0 or 1 of a packed sum {@code acc = s0 + s1 * 2^32}, where {@code s0} and {@code s1}
     * are sums of pixels times signed weights that each fit an {@code int} (as in torch's int32
     * accumulators): the low 32 bits are {@code s0} in two's complement, and taking {@code s0}
     * away leaves {@code s1 * 2^32} exactly, whatever borrow a negative {@code s0} made.
     */
    static int lane(long acc, int lane) {
        int s0 = (int) acc;
        return lane == 0 ? s0 : (int) ((acc - s0) >> 32);
    }

    /**
     * One vertical pass, plane by plane.
     *
     * @param src planes of {@code inH} rows of {@code width} pixels   // [channels, inH, width]
     * @return planes of {@code w.outSize()} rows                      // [channels, outH, width]
     */
    static byte[] vertical(byte[] src, int channels, int width, int inH, ResampleWeights w) {
        int outH = w.outSize();
        byte[] dst = new byte[channels * outH * width];
        int[] start = w.start();
        int[] count = w.count();
        short[] k = w.weights();
        int stride = w.stride();
        int prec = w.precision();
        int half = 1 << (prec - 1);
        int[] acc = new int[width]; // [width]
        for (int c = 0; c < channels; c++) {
            int planeIn = c * inH * width;
            int planeOut = c * outH * width;
            for (int y = 0; y < outH; y++) {
                java.util.Arrays.fill(acc, half);
                int ko = y * stride;
                for (int j = 0, n = count[y]; j < n; j++) {
                    int weight = k[ko + j];
                    int row = planeIn + (start[y] + j) * width;
                    for (int x = 0; x < width; x++) {
                        acc[x] += (src[row + x] & 0xFF) * weight;
                    }
                }
                int rowOut = planeOut + y * width;
                for (int x = 0; x < width; x++) {
                    dst[rowOut + x] = clamp(acc[x] >> prec);
                }
            }
        }
        return dst;
    }

    /**
     * Source index of every output pixel for torchvision's {@code NEAREST_EXACT} (float math, as
     * torch computes it).
     */
    static int[] nearestIndices(int inSize, int outSize) {
        float scale = (float) inSize / outSize;
        int[] idx = new int[outSize]; // [outSize]
        for (int i = 0; i < outSize; i++) {
            float real = Math.max(scale * (i + 0.5f) - 0.5f, 0.0f);
            idx[i] = (int) Math.min((long) Math.floor(real + 0.5f), inSize - 1L);
        }
        return idx;
    }

    private static byte[] nearest(byte[] src, int channels, int inW, int inH, int outW, int outH) {
        int[] xs = nearestIndices(inW, outW);
        int[] ys = nearestIndices(inH, outH);
        byte[] dst = new byte[channels * outW * outH]; // [channels, outH, outW]
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outH; y++) {
                int rowIn = (c * inH + ys[y]) * inW;
                int rowOut = (c * outH + y) * outW;
                for (int x = 0; x < outW; x++) {
                    dst[rowOut + x] = src[rowIn + xs[x]];
                }
            }
        }
        return dst;
    }

    private static byte clamp(int v) {
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
