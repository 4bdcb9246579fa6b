package io.blip2stream.pipeline.preprocess;

import java.util.Locale;

/**
 * The interpolation kernels of torch's uint8 resize ({@code torch.nn.functional.interpolate} on a
 * uint8 image, which torchvision's {@code resize} calls), by their manifest names.
 */
public enum ResampleFilter {
    /** Nearest neighbour, as HF maps PIL's NEAREST: torchvision {@code NEAREST_EXACT}. */
    NEAREST("nearest", 1),
    /** Triangle filter. */
    BILINEAR("bilinear", 2),
    /** Keys cubic: a = -0.5 with antialias (PIL's), a = -0.75 without (OpenCV's). */
    BICUBIC("bicubic", 4);

    private final String manifestName;
    private final int interpSize;

    ResampleFilter(String manifestName, int interpSize) {
        this.manifestName = manifestName;
        this.interpSize = interpSize;
    }

    /** The filter's support in input pixels before scaling (torch's {@code interp_size}). */
    int interpSize() {
        return interpSize;
    }

    /** The manifest name, e.g. {@code "bicubic"}. */
    public String manifestName() {
        return manifestName;
    }

    /** Looks a filter up by its manifest name ("bicubic", "bilinear", "nearest"). */
    public static ResampleFilter byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (ResampleFilter f : values()) {
            if (f.manifestName.equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unsupported resample filter '" + name
                + "' (supported: bicubic, bilinear, nearest)");
    }

    /** The filter's weight at distance {@code x} (torch's {@code aa_filter}), in double. */
    double weight(double x, boolean antialias) {
        x = Math.abs(x);
        return switch (this) {
            case NEAREST -> x < 0.5 ? 1.0 : 0.0;
            case BILINEAR -> x < 1.0 ? 1.0 - x : 0.0;
            case BICUBIC -> {
                double a = antialias ? -0.5 : -0.75;
                if (x < 1.0) {
                    yield ((a + 2) * x - (a + 3)) * x * x + 1;
                }
                if (x < 2.0) {
                    yield ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
                }
                yield 0.0;
            }
        };
    }
}
