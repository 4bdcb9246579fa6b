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
     * One horizontal pass over {@code rows} rows. Computed on the transposed image, so that the
     * innermost loop runs over rows, contiguous and without a data-dependent trip count (the JIT
     * vectorises it); integer sums do not depend on their order, so the result is the same as
     * summing along each row.
     *
     * @param src rows of {@code w.inSize()} pixels  // [rows, inW]
     * @return rows of {@code w.outSize()} pixels    // [rows, outW]
     */
    static byte[] horizontal(byte[] src, int rows, int inW, ResampleWeights w) {
        int outW = w.outSize();
        byte[] columns = transpose(src, rows, inW); // [inW, rows]
        byte[] out = new byte[outW * rows];         // [outW, rows]
        int[] start = w.start();
        int[] count = w.count();
        short[] k = w.weights();
        int stride = w.stride();
        int prec = w.precision();
        int half = 1 << (prec - 1);
        int[] acc = new int[rows]; // [rows]
        for (int x = 0; x < outW; x++) {
            java.util.Arrays.fill(acc, half);
            int ko = x * stride;
            for (int j = 0, n = count[x]; j < n; j++) {
                int weight = k[ko + j];
                int column = (start[x] + j) * rows;
                for (int r = 0; r < rows; r++) {
                    acc[r] += (columns[column + r] & 0xFF) * weight;
                }
            }
            int columnOut = x * rows;
            for (int r = 0; r < rows; r++) {
                out[columnOut + r] = clamp(acc[r] >> prec);
            }
        }
        return transpose(out, outW, rows);
    }

    /** Block size of {@link #transpose}: a block of source rows and its target rows stay in L1. */
    private static final int BLOCK = 32;

    /**
     * Transposes a matrix of bytes.
     *
     * @param src  row-major  // [height, width]
     * @return row-major      // [width, height]
     */
    static byte[] transpose(byte[] src, int height, int width) {
        byte[] dst = new byte[src.length];
        for (int y0 = 0; y0 < height; y0 += BLOCK) {
            int y1 = Math.min(height, y0 + BLOCK);
            for (int x0 = 0; x0 < width; x0 += BLOCK) {
                int x1 = Math.min(width, x0 + BLOCK);
                for (int y = y0; y < y1; y++) {
                    int row = y * width;
                    for (int x = x0; x < x1; x++) {
                        dst[x * height + y] = src[row + x];
                    }
                }
            }
        }
        return dst;
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
