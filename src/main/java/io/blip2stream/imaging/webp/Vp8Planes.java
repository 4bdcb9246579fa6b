package io.blip2stream.imaging.webp;

/**
 * A decoded VP8 frame: 8-bit Y, U and V planes (4:2:0) covering whole macroblocks, of which the
 * top-left {@code width x height} luma samples and {@code ceil(width/2) x ceil(height/2)} chroma
 * samples are the picture.
 *
 * @param width    picture width in pixels
 * @param height   picture height in pixels
 * @param y        luma, {@code yStride} per row          // [mbRows * 16, yStride]
 * @param yStride  luma row length (macroblock columns x 16)
 * @param u        Cb, {@code uvStride} per row           // [mbRows * 8, uvStride]
 * @param v        Cr, {@code uvStride} per row           // [mbRows * 8, uvStride]
 * @param uvStride chroma row length (macroblock columns x 8)
 */
record Vp8Planes(int width, int height, byte[] y, int yStride, byte[] u, byte[] v, int uvStride) {

    Vp8Planes {
        if (width <= 0 || height <= 0 || yStride < width || uvStride < (width + 1) / 2) {
            throw new IllegalArgumentException("planes of " + width + "x" + height + " with strides " + yStride + "/" + uvStride);
        }
        if (y.length < yStride * height || u.length < uvStride * ((height + 1) / 2) || v.length != u.length) {
            throw new IllegalArgumentException("planes too short for " + width + "x" + height);
        }
    }
}
