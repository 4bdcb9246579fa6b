package io.blip2stream.pipeline.preprocess;

/**
 * Rescale and normalise, in float32 with the operation order of Hugging Face's torchvision
 * backend: with both enabled the rescale is folded into the statistics
 * ({@code mean' = mean * (1 / rescale_factor)}, likewise std, in float32) and each value becomes
 * {@code (x - mean') / std'}. Immutable and thread-safe.
 */
final class PixelNormalizer {

    private final float[] sub = new float[3];
    private final float[] div = new float[3];
    private final float scale;
    private final Mode mode;

    private enum Mode { FUSED, RESCALE, NORMALIZE, NONE }

    PixelNormalizer(ImageSpec spec) {
        float[] mean = spec.mean();
        float[] std = spec.std();
        if (spec.doNormalize()) {
            float inv = (float) (1.0 / spec.rescaleFactor());
            for (int c = 0; c < 3; c++) {
                sub[c] = spec.doRescale() ? mean[c] * inv : mean[c];
                div[c] = spec.doRescale() ? std[c] * inv : std[c];
            }
            mode = spec.doRescale() ? Mode.FUSED : Mode.NORMALIZE;
        } else {
            mode = spec.doRescale() ? Mode.RESCALE : Mode.NONE;
        }
        scale = (float) spec.rescaleFactor();
    }

    /**
     * Writes normalised values of planar uint8 pixels into {@code dst} from {@code offset}.
     *
     * @param pixels planar uint8                   // [3, h, w]
     * @param dst    receives {@code pixels.length} floats  // [3, h, w] at offset
     */
    void apply(byte[] pixels, float[] dst, int offset) {
        int plane = pixels.length / 3;
        for (int c = 0; c < 3; c++) {
            int base = c * plane;
            float m = sub[c];
            float s = div[c];
            for (int i = 0; i < plane; i++) {
                float x = pixels[base + i] & 0xFF;
                dst[offset + base + i] = switch (mode) {
                    case FUSED, NORMALIZE -> (x - m) / s;
                    case RESCALE -> x * scale;
                    case NONE -> x;
                };
            }
        }
    }
}
