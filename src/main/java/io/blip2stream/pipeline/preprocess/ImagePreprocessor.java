package io.blip2stream.pipeline.preprocess;

import io.blip2stream.imaging.ImageDecoder;
import io.blip2stream.imaging.ImageLimits;
import io.blip2stream.imaging.RgbImage;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.util.Objects;

/**
 * Encoded image bytes to the vision graph's {@code pixel_values}, matching Hugging Face's
 * {@code load_image} + {@code BlipImageProcessor} (torchvision backend): decode, EXIF orientation,
 * RGB conversion as PIL, uint8 resize as torch, then rescale and normalise in float32.
 * Immutable and thread-safe.
 */
public final class ImagePreprocessor {

    private final ImageSpec spec;
    private final ImageDecoder decoder;
    private final PixelNormalizer normalizer;

    public ImagePreprocessor(ImageSpec spec, ImageLimits limits) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.decoder = new ImageDecoder(limits);
        this.normalizer = new PixelNormalizer(spec);
    }

    public ImageSpec spec() {
        return spec;
    }

    /** Floats per image: {@code 3 * height * width}. */
    public int valuesPerImage() {
        return 3 * spec.height() * spec.width();
    }

    /**
     * Preprocesses one image.
     *
     * @return pixel values, channels first     // [3, height, width]
     * @throws Blip2Exception INVALID_IMAGE, UNSUPPORTED_IMAGE_FORMAT or IMAGE_TOO_LARGE
     */
    public float[] preprocess(byte[] encoded) {
        float[] out = new float[valuesPerImage()]; // [3, height, width]
        preprocessInto(encoded, out, 0);
        return out;
    }

    /**
     * Preprocesses one image straight into a batch tensor.
     *
     * @param dst    batch buffer                                // [B, 3, height, width]
     * @param offset where this image's {@code 3 * height * width} values start
     * @throws Blip2Exception INVALID_IMAGE, UNSUPPORTED_IMAGE_FORMAT or IMAGE_TOO_LARGE
     */
    public void preprocessInto(byte[] encoded, float[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        if (offset < 0 || offset > dst.length - valuesPerImage()) {
            throw new IndexOutOfBoundsException("no room for " + valuesPerImage() + " values at " + offset
                    + " in a buffer of " + dst.length);
        }
        normalizer.apply(resized(decoder.decode(encoded)), dst, offset);
    }

    /**
     * The uint8 image after decoding and resizing, before rescaling.
     *
     * @return planar uint8 RGB                  // [3, height, width]
     */
    public byte[] resizedPixels(byte[] encoded) {
        return resized(decoder.decode(encoded));
    }

    private byte[] resized(RgbImage image) {
        if (image.width() == spec.width() && image.height() == spec.height()) {
            return image.pixels();
        }
        if (!spec.doResize()) {
            throw new Blip2Exception(ErrorCode.INVALID_IMAGE, "the image is " + image.width() + "x" + image.height()
                    + " but the model takes " + spec.width() + "x" + spec.height() + " and resizing is off");
        }
        return Resampler.resize(image.pixels(), 3, image.width(), image.height(), spec.width(), spec.height(),
                spec.filter(), spec.antialias());
    }
}
