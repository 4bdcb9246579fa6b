package io.blip2stream.pipeline.preprocess;

/**
 * Fixed-point weights for resizing one axis, exactly as torch computes them for uint8 images
 * ({@code _compute_index_ranges_int16_weights} in ATen's {@code UpSampleKernel.cpp}): weights in
 * double, normalised per output pixel, then scaled by {@code 2^precision} and rounded to int16,
 * where {@code precision} is the largest (below 22) that keeps the largest weight under 2^15.
 *
 * @param inSize    input length along the axis
 * @param outSize   output length along the axis
 * @param start     first input index read by each output pixel          // [outSize]
 * @param count     number of input pixels read by each output pixel     // [outSize]
 * @param weights   int16 weights, {@code stride} per output pixel       // [outSize * stride]
 * @param stride    weights slots per output pixel
 * @param precision fixed-point fraction bits
 */
record ResampleWeights(int inSize, int outSize, int[] start, int[] count, short[] weights, int stride,
                       int precision) {

    /** Computes the weights for resizing {@code inSize} pixels to {@code outSize}. */
    static ResampleWeights compute(int inSize, int outSize, ResampleFilter filter, boolean antialias) {
        if (inSize <= 0 || outSize <= 0) {
            throw new IllegalArgumentException("sizes must be positive: " + inSize + " -> " + outSize);
        }
        if (filter == ResampleFilter.NEAREST) {
            throw new IllegalArgumentException("nearest has no weights: use Resampler.nearestIndices");
        }
        double scale = (double) inSize / outSize;
        int interp = filter.interpSize();
        double support;
        int maxInterp;
        if (antialias) {
            support = scale >= 1.0 ? (interp * 0.5) * scale : interp * 0.5;
            maxInterp = (int) Math.ceil(support) * 2 + 1;
        } else {
            support = interp * 0.5;
            maxInterp = interp;
        }
        int[] start = new int[outSize];
        int[] count = new int[outSize];
        double[] w = new double[outSize * maxInterp]; // [outSize, maxInterp]
        double wtMax = 0.0;
        for (int i = 0; i < outSize; i++) {
            double m = antialias
                    ? antialiasedRow(i, inSize, scale, support, filter, w, i * maxInterp, maxInterp, start, count)
                    : plainRow(i, inSize, scale, filter, w, i * maxInterp, maxInterp, start, count);
            wtMax = Math.max(wtMax, m);
        }
        int precision;
        for (precision = 0; precision < 22; precision++) {
            int next = (int) (0.5 + wtMax * (1 << (precision + 1)));
            if (next >= (1 << 15)) {
                break;
            }
        }
        short[] q = new short[w.length];
        for (int k = 0; k < w.length; k++) {
            double v = w[k] * (1 << precision);
            q[k] = (short) (v < 0 ? (int) (-0.5 + v) : (int) (0.5 + v));
        }
        return new ResampleWeights(inSize, outSize, start, count, q, maxInterp, precision);
    }

    /** torch's {@code _compute_indices_min_size_weights_aa}; returns the row's largest weight. */
    private static double antialiasedRow(int i, int inSize, double scale, double support, ResampleFilter filter,
                                         double[] w, int off, int maxInterp, int[] start, int[] count) {
        double center = scale * (i + 0.5);
        double totalW = 0.0;
        double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
        long xmin = Math.max((long) (center - support + 0.5), 0L);
        long xsize = Math.min((long) (center + support + 0.5), inSize) - xmin;
        xsize = Math.clamp(xsize, 0L, maxInterp);
        int j = 0;
        for (; j < xsize; j++) {
            double v = filter.weight(((j + xmin) - center + 0.5) * invScale, true);
            w[off + j] = v;
            totalW += v;
        }
        double wtMax = 0.0;
        if (totalW != 0.0) {
            for (j = 0; j < xsize; j++) {
                w[off + j] /= totalW;
                wtMax = Math.max(wtMax, w[off + j]);
            }
        }
        start[i] = (int) xmin;
        count[i] = (int) xsize;
        return wtMax;
    }

    /**
     * torch's {@code _compute_indices_min_size_weights} (antialias off): the fixed-size kernel,
     * with the weights of out-of-range taps folded onto the edge pixels.
     */
    private static double plainRow(int i, int inSize, double scale, ResampleFilter filter,
                                   double[] w, int off, int maxInterp, int[] start, int[] count) {
        boolean cubic = maxInterp > 2;
        double real = scale * (i + 0.5) - 0.5;
        if (!cubic) {
            real = Math.max(real, 0.0);
        }
        long inputIndex = Math.min((long) Math.floor((float) real), inSize - 1L);
        double lambda = Math.min(Math.max(real - inputIndex, 0.0), 1.0);
        long support = (long) (maxInterp * 0.5);
        long unboundMin = inputIndex - support + 1;
        long unboundMax = inputIndex + support + 1;
        long indexMin = Math.max(unboundMin, 0L);
        long indexSize = Math.clamp(Math.min(unboundMax, inSize) - indexMin, 0L, maxInterp);
        int wIndex = 0;
        double wtMax = 0.0;
        for (int j = 0; j < maxInterp; j++) {
            w[off + j] = 0.0;
        }
        for (int j = 0; j < maxInterp; j++) {
            double v = filter.weight((double) (j + 1 - support) - lambda, false);
            if (unboundMin + j <= 0) {
                wIndex = 0;
            } else if (unboundMin + j >= inSize - 1) {
                wIndex = (int) indexSize - 1;
            }
            w[off + wIndex] += v;
            wtMax = Math.max(wtMax, w[off + wIndex]);
            wIndex++;
        }
        start[i] = (int) indexMin;
        count[i] = (int) indexSize;
        return wtMax;
    }
}
