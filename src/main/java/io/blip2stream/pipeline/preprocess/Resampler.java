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
     * One horizontal pass over {@code rows} rows.
     *
     * @param src rows of {@code w.inSize()} pixels  // [rows, inW]
     * @return rows of {@code w.outSize()} pixels    // [rows, outW]
     */
    static byte[] horizontal(byte[] src, int rows, int inW, ResampleWeights w) {
        int outW = w.outSize();
        byte[] dst = new byte[rows * outW];
        int[] start = w.start();
        int[] count = w.count();
        short[] k = w.weights();
        int stride = w.stride();
        int prec = w.precision();
        int half = 1 << (prec - 1);
        for (int r = 0; r < rows; r++) {
            int rowIn = r * inW;
            int rowOut = r * outW;
            for (int x = 0; x < outW; x++) {
                int acc = half;
                int s = rowIn + start[x];
                int ko = x * stride;
                for (int j = 0, n = count[x]; j < n; j++) {
                    acc += (src[s + j] & 0xFF) * k[ko + j];
                }
                dst[rowOut + x] = clamp(acc >> prec);
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
