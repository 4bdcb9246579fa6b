package io.blip2stream.imaging;

/**
 * A decoded 8-bit RGB image, planar.
 *
 * @param width  columns
 * @param height rows
 * @param pixels R plane, then G, then B      // [3, height, width]
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (pixels.length != 3 * width * height) {
            throw new IllegalArgumentException("expected " + 3 * width * height + " bytes, got " + pixels.length);
        }
    }

    /** The value of channel {@code c} (0 = R) at column {@code x}, row {@code y}, 0..255. */
    public int get(int c, int x, int y) {
        return pixels[(c * height + y) * width + x] & 0xFF;
    }

    /**
     * This image as PIL's {@code ImageOps.exif_transpose} leaves it for an EXIF orientation
     * (1..8; anything else leaves the image as it is).
     */
    public RgbImage orient(int orientation) {
        int w = width - 1;
        int h = height - 1;
        // source x = xx*x + xy*y + x0, source y = yx*x + yy*y + y0 for output pixel (x, y)
        return switch (orientation) {
            case 2 -> remap(width, height, -1, 0, w, 0, 1, 0);   // FLIP_LEFT_RIGHT
            case 3 -> remap(width, height, -1, 0, w, 0, -1, h);  // ROTATE_180
            case 4 -> remap(width, height, 1, 0, 0, 0, -1, h);   // FLIP_TOP_BOTTOM
            case 5 -> remap(height, width, 0, 1, 0, 1, 0, 0);    // TRANSPOSE
            case 6 -> remap(height, width, 0, 1, 0, -1, 0, h);   // ROTATE_270 (clockwise)
            case 7 -> remap(height, width, 0, -1, w, -1, 0, h);  // TRANSVERSE
            case 8 -> remap(height, width, 0, -1, w, 1, 0, 0);   // ROTATE_90 (counter-clockwise)
            default -> this;
        };
    }

    private RgbImage remap(int outW, int outH, int xx, int xy, int x0, int yx, int yy, int y0) {
        byte[] out = new byte[3 * outW * outH]; // [3, outH, outW]
        int plane = width * height;
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int from = (yx * x + yy * y + y0) * width + (xx * x + xy * y + x0);
                int to = y * outW + x;
                out[to] = pixels[from];
                out[plane + to] = pixels[plane + from];
                out[2 * plane + to] = pixels[2 * plane + from];
            }
        }
        return new RgbImage(outW, outH, out);
    }
}
