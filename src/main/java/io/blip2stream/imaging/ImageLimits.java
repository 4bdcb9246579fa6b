package io.blip2stream.imaging;

/**
 * Size limits checked before any pixel is decoded: first the encoded byte count, then the
 * dimensions the image's header declares (so a tiny file declaring a huge canvas, a
 * decompression bomb, is refused without allocating it).
 *
 * @param maxEncodedBytes largest accepted encoded image, in bytes
 * @param maxPixels       largest accepted width × height
 * @param maxSide         largest accepted width or height
 * @param maxMetadataBytes most bytes inflated from an image's compressed metadata (PNG zTXt and
 *                        iTXt chunks, all of them together); chunks past it are ignored
 */
public record ImageLimits(long maxEncodedBytes, long maxPixels, int maxSide, long maxMetadataBytes) {

    /** 20 MiB encoded. */
    public static final long DEFAULT_MAX_ENCODED_BYTES = 20L * 1024 * 1024;
    /** 40 megapixels (a 7,300 × 5,480 photo). */
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    /** 16,384 pixels on either side. */
    public static final int DEFAULT_MAX_SIDE = 16_384;
    /** 4 MiB of inflated metadata per image. */
    public static final long DEFAULT_MAX_METADATA_BYTES = 4L * 1024 * 1024;

    public ImageLimits {
        if (maxEncodedBytes <= 0 || maxPixels <= 0 || maxSide <= 0 || maxMetadataBytes < 0) {
            throw new IllegalArgumentException("image limits must be positive: bytes=" + maxEncodedBytes
                    + ", pixels=" + maxPixels + ", side=" + maxSide + ", metadata=" + maxMetadataBytes);
        }
    }

    /** The given limits, with the default metadata budget. */
    public ImageLimits(long maxEncodedBytes, long maxPixels, int maxSide) {
        this(maxEncodedBytes, maxPixels, maxSide, DEFAULT_MAX_METADATA_BYTES);
    }

    /** 20 MiB, 40 megapixels, 16,384 pixels a side. */
    public static ImageLimits defaults() {
        return new ImageLimits(DEFAULT_MAX_ENCODED_BYTES, DEFAULT_MAX_PIXELS, DEFAULT_MAX_SIDE);
    }
}
