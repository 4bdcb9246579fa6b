package io.blip2stream.pipeline.preprocess;

import io.blip2stream.model.BundleManifest;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How a model wants its images: the {@code "image"} section of a bundle's {@code manifest.json}
 * (see {@code src/docs/bundle-format.md}), with Hugging Face's {@code BlipImageProcessor} meaning
 * for every field.
 *
 * @param height         output height in pixels
 * @param width          output width in pixels
 * @param doConvertRgb   convert every decoded image to RGB as PIL's {@code convert("RGB")} does
 *                       (always done: the vision graph takes three channels)
 * @param doResize       resize to {@code height × width}; when false the decoded image must
 *                       already have that size
 * @param resample       {@code "bicubic"}, {@code "bilinear"} or {@code "nearest"}
 * @param antialias      antialiased resampling (torchvision's default, true)
 * @param doRescale      multiply by {@code rescaleFactor}
 * @param rescaleFactor  usually 1/255
 * @param doNormalize    subtract {@code mean} and divide by {@code std}, per channel
 * @param mean           three channel means (R, G, B)
 * @param std            three channel standard deviations (R, G, B)
 */
public record ImageSpec(
        int height,
        int width,
        boolean doConvertRgb,
        boolean doResize,
        String resample,
        boolean antialias,
        boolean doRescale,
        double rescaleFactor,
        boolean doNormalize,
        float[] mean,
        float[] std) {

    /** OpenAI CLIP mean, BLIP-2's default. */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    /** OpenAI CLIP standard deviation, BLIP-2's default. */
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    public ImageSpec {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        Objects.requireNonNull(resample, "resample");
        resample = resample.toLowerCase(Locale.ROOT);
        ResampleFilter.byName(resample); // validates
        if (doRescale && !(rescaleFactor > 0 && Double.isFinite(rescaleFactor))) {
            throw new IllegalArgumentException("rescale_factor must be a positive number, got " + rescaleFactor);
        }
        mean = checkChannels("image_mean", mean);
        std = checkChannels("image_std", std);
        for (float s : std) {
            if (doNormalize && !(s > 0)) {
                throw new IllegalArgumentException("image_std must be positive, got " + Arrays.toString(std));
            }
        }
    }

    /**
     * BLIP-2's processor defaults ({@code BlipImageProcessor}): bicubic with antialias, 1/255,
     * OpenAI CLIP mean and std.
     */
    public static ImageSpec blip2(int height, int width) {
        return new ImageSpec(height, width, true, true, "bicubic", true, true, 1.0 / 255.0, true,
                CLIP_MEAN, CLIP_STD);
    }

    /**
     * The spec of a manifest's {@code "image"} section (names as in
     * {@code src/docs/bundle-format.md}), whose absent fields already hold
     * {@code BlipImageProcessor}'s defaults ({@link BundleManifest.ImageSection}).
     *
     * @throws IllegalArgumentException when the section is missing or a value is out of range
     */
    public static ImageSpec of(BundleManifest.ImageSection image) {
        if (image == null) {
            throw new IllegalArgumentException("the manifest has no \"image\" object");
        }
        return new ImageSpec(image.height(), image.width(), image.doConvertRgb(), image.doResize(), image.resample(),
                image.antialias(), image.doRescale(), image.rescaleFactor(), image.doNormalize(),
                floats(image.imageMean()), floats(image.imageStd()));
    }

    /** The resampling filter named by {@link #resample()}. */
    public ResampleFilter filter() {
        return ResampleFilter.byName(resample);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageSpec s && height == s.height && width == s.width
                && doConvertRgb == s.doConvertRgb && doResize == s.doResize
                && resample.equals(s.resample) && antialias == s.antialias
                && doRescale == s.doRescale && Double.compare(rescaleFactor, s.rescaleFactor) == 0
                && doNormalize == s.doNormalize && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(height, width, doConvertRgb, doResize, resample, antialias, doRescale,
                rescaleFactor, doNormalize, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "ImageSpec[" + height + "x" + width + ", resample=" + resample + ", antialias=" + antialias
                + ", rescale=" + (doRescale ? rescaleFactor : "off")
                + ", mean=" + (doNormalize ? Arrays.toString(mean) : "off")
                + ", std=" + (doNormalize ? Arrays.toString(std) : "off") + "]";
    }

    /** The same rounding as {@code torch.tensor(list)}: double to float32. */
    private static float[] floats(List<Double> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i).floatValue();
        }
        return out;
    }

    private static float[] checkChannels(String what, float[] values) {
        Objects.requireNonNull(values, what);
        if (values.length != 3) {
            throw new IllegalArgumentException(what + " must have 3 values (R, G, B), got " + values.length);
        }
        return values.clone();
    }
}
