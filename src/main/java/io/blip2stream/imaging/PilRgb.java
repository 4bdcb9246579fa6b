package io.blip2stream.imaging;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns decoded samples into 8-bit RGB with the values PIL gives after {@code convert("RGB")}:
 * no colour management (embedded ICC profiles and PNG gamma are ignored), alpha dropped without
 * compositing, palettes looked up, 16-bit RGB reduced to its high byte, 16-bit grayscale clipped
 * to 0..255 (PIL's {@code I;16 -> RGB}), JPEG YCbCr converted with libjpeg's fixed-point tables,
 * and CMYK with PIL's formula on inverted (Adobe) samples.
 */
final class PilRgb {

    /** The colour space libjpeg decides a JPEG's samples are in. */
    enum JpegColor { GRAY, YCBCR, RGB, CMYK, YCCK }

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        // libjpeg jdcolor.c build_ycc_rgb_table
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private PilRgb() {
    }

    /** libjpeg's choice of colour space for a baseline/progressive JPEG (jdapimin.c). */
    static JpegColor jpegColor(ImageMetadata m, int bands) {
        int[] id = m.jpegComponentIds();
        return switch (bands) {
            case 1 -> JpegColor.GRAY;
            case 3 -> {
                if (m.jfif()) {
                    yield JpegColor.YCBCR;
                }
                if (m.adobeTransform() >= 0) {
                    yield m.adobeTransform() == 0 ? JpegColor.RGB : JpegColor.YCBCR;
                }
                if (id.length == 3 && id[0] == 'R' && id[1] == 'G' && id[2] == 'B') {
                    yield JpegColor.RGB;
                }
                yield JpegColor.YCBCR;
            }
            case 4 -> m.adobeTransform() > 0 ? JpegColor.YCCK : JpegColor.CMYK;
            default -> throw new IllegalArgumentException("a JPEG with " + bands + " components");
        };
    }

    /**
     * RGB from a JPEG's raw decoded samples (upsampled, not colour converted).
     *
     * @param raster 1, 3 or 4 bands of 8-bit samples
     */
    static RgbImage fromJpegRaster(Raster raster, JpegColor color) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int n = w * h;
        byte[] out = new byte[3 * n]; // [3, h, w]
        int bands = raster.getNumBands();
        int[] row = new int[w * bands]; // [w, bands]
        SampleRows rows = SampleRows.of(raster);
        if (color == JpegColor.YCBCR) {
            // almost every JPEG: its own loop, without the per-pixel switch
            for (int y = 0; y < h; y++) {
                rows.read(y, row);
                ycbcrRow(row, bands, w, out, y * w, n);
            }
            return new RgbImage(w, h, out);
        }
        for (int y = 0; y < h; y++) {
            rows.read(y, row);
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int o = x * bands;
                int r;
                int g;
                int b;
                switch (color) {
                    case GRAY -> r = g = b = row[o];
                    case RGB -> {
                        r = row[o];
                        g = row[o + 1];
                        b = row[o + 2];
                    }
                    case CMYK, YCCK -> {
                        int c0 = row[o];
                        int c1 = row[o + 1];
                        int c2 = row[o + 2];
                        if (color == JpegColor.YCCK) {
                            // libjpeg ycck_cmyk_convert
                            int yy = c0;
                            int cb = c1;
                            int cr = c2;
                            c0 = clamp8(255 - (yy + CR_R[cr]));
                            c1 = clamp8(255 - (yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS)));
                            c2 = clamp8(255 - (yy + CB_B[cb]));
                        }
                        // PIL reads JPEG CMYK as "CMYK;I" (inverted); its cmyk2rgb then uses
                        // nk = 255 - K, which is the stored (uninverted) K sample
                        int nk = row[o + 3];
                        r = cmykChannel(255 - c0, nk);
                        g = cmykChannel(255 - c1, nk);
                        b = cmykChannel(255 - c2, nk);
                    }
                    default -> throw new IllegalStateException();
                }
                out[i] = (byte) r;
                out[n + i] = (byte) g;
                out[2 * n + i] = (byte) b;
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * libjpeg's {@code ycc_rgb_convert} for one row, into the three planes.
     *
     * @param row   Y, Cb, Cr samples                     // [w, bands]
     * @param out   planar RGB of the whole image         // [3, h, w]
     * @param first index of the row's first pixel in a plane
     * @param n     pixels per plane
     */
    private static void ycbcrRow(int[] row, int bands, int w, byte[] out, int first, int n) {
        for (int x = 0; x < w; x++) {
            int o = x * bands;
            int yy = row[o];
            int cb = row[o + 1];
            int cr = row[o + 2];
            int i = first + x;
            out[i] = (byte) clamp8(yy + CR_R[cr]);
            out[n + i] = (byte) clamp8(yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
            out[2 * n + i] = (byte) clamp8(yy + CB_B[cb]);
        }
    }

    /**
     * RGB from a decoded PNG, GIF, BMP or WebP image, reading its raw samples.
     *
     * @param grayClips16 the image is PIL's {@code I;16} (a 16-bit grayscale PNG without an alpha
     *                    channel, with or without {@code tRNS}): clip the gray samples to 0..255
     *                    instead of keeping the high byte
     */
    static RgbImage fromImage(BufferedImage image, boolean grayClips16) {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        int w = raster.getWidth();
        int h = raster.getHeight();
        int n = w * h;
        byte[] out = new byte[3 * n]; // [3, h, w]
        int bands = raster.getNumBands();
        int[] row = new int[w * bands]; // [w, bands]
        SampleRows rows = SampleRows.of(raster);
        if (cm instanceof IndexColorModel icm) {
            for (int y = 0; y < h; y++) {
                rows.read(y, row);
                for (int x = 0; x < w; x++) {
                    int idx = row[x * bands];
                    int i = y * w + x;
                    out[i] = (byte) icm.getRed(idx);
                    out[n + i] = (byte) icm.getGreen(idx);
                    out[2 * n + i] = (byte) icm.getBlue(idx);
                }
            }
            return new RgbImage(w, h, out);
        }
        if (cm instanceof DirectColorModel dcm) {
            int[] masks = {dcm.getRedMask(), dcm.getGreenMask(), dcm.getBlueMask()};
            Object packed = null; // one row of packed pixels: int[], short[] or byte[]  // [w]
            for (int y = 0; y < h; y++) {
                packed = raster.getDataElements(raster.getMinX(), raster.getMinY() + y, w, 1, packed);
                for (int x = 0; x < w; x++) {
                    int px = pixelOf(packed, x);
                    int i = y * w + x;
                    for (int c = 0; c < 3; c++) {
                        out[c * n + i] = (byte) field(px, masks[c]);
                    }
                }
            }
            return new RgbImage(w, h, out);
        }
        boolean gray = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        int colorBands = gray ? 1 : 3;
        if (bands < colorBands) {
            throw new IllegalArgumentException("an image with " + bands + " bands in " + cm.getColorSpace().getType());
        }
        int bits = cm.getComponentSize(0);
        boolean clip = gray && grayClips16 && bits == 16;
        for (int y = 0; y < h; y++) {
            rows.read(y, row);
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int o = x * bands;
                for (int c = 0; c < 3; c++) {
                    int v = row[o + (gray ? 0 : c)];
                    out[c * n + i] = (byte) (clip ? Math.min(v, 255) : toEightBits(v, bits));
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Packed pixel {@code x} of a row from {@code getDataElements}, unsigned. */
    private static int pixelOf(Object data, int x) {
        return switch (data) {
            case int[] a -> a[x];
            case short[] a -> a[x] & 0xFFFF;
            case byte[] a -> a[x] & 0xFF;
            default -> throw new IllegalArgumentException("unexpected pixel data " + data.getClass());
        };
    }

    /** A packed field scaled to 8 bits as PIL's BMP unpackers do ({@code v * 255 / max}). */
    static int field(int pixel, int mask) {
        if (mask == 0) {
            return 0;
        }
        int shift = Integer.numberOfTrailingZeros(mask);
        int bits = Integer.bitCount(mask);
        int v = (pixel & mask) >>> shift;
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return v >>> (bits - 8);
        }
        return v * 255 / ((1 << bits) - 1);
    }

    /** PIL keeps the high byte of 16-bit samples; fewer bits are scaled to 0..255. */
    private static int toEightBits(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return v >>> (bits - 8);
        }
        return v * 255 / ((1 << bits) - 1);
    }

    /** PIL's cmyk2rgb for one channel: {@code nk - nk * c / 255}, with MULDIV255 rounding. */
    static int cmykChannel(int c, int nk) {
        int tmp = c * nk + 128;
        return clamp8(nk - (((tmp >> 8) + tmp) >> 8));
    }

    private static int clamp8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }
}
