package io.blip2stream.imaging.webp;

/**
 * libwebp's conversion of decoded VP8 planes to RGB, as PIL gets it: "fancy" chroma upsampling
 * ({@code src/dsp/upsampling.c}, each chroma sample weighted 9-3-3-1 between the two nearest
 * chroma rows and columns, edges mirrored) and the 14-bit fixed-point BT.601 conversion of
 * {@code src/dsp/yuv.h} ({@code VP8YUVToR/G/B}).
 */
final class WebpYuvToRgb {

    private static final int YUV_FIX2 = 6;
    private static final int YUV_MASK2 = (256 << YUV_FIX2) - 1;

    private WebpYuvToRgb() {
    }

    /** The picture of {@code planes} as 8-bit RGB, planar: byte[3 * height * width]  // [3, height, width] */
    static byte[] convert(Vp8Planes planes) {
        int w = planes.width();
        int h = planes.height();
        int n = w * h;
        byte[] out = new byte[3 * n]; // [3, h, w]
        int chromaRows = (h + 1) / 2;
        for (int row = 0; row < h; row++) {
            // the chroma row nearest to this luma row gets weight 3, the other one 1
            int near = row / 2;
            int far;
            if (row == 0 || (row == h - 1 && (row & 1) == 1)) {
                far = near; // first row, and the last row of an even height: mirrored
            } else {
                far = (row & 1) == 1 ? near + 1 : near - 1;
            }
            far = Math.min(far, chromaRows - 1);
            upsampleRow(planes, row, near, far, out, row * w, n);
        }
        return out;
    }

    /**
     * One output row, as libwebp's {@code UpsampleRgbLinePair} does for either of its two rows:
     * {@code near} is the chroma row weighted 3, {@code far} the one weighted 1.
     */
    private static void upsampleRow(Vp8Planes p, int row, int near, int far, byte[] out, int at, int plane) {
        int len = p.width();
        byte[] u = p.u();
        byte[] v = p.v();
        int nearAt = near * p.uvStride();
        int farAt = far * p.uvStride();
        int yAt = row * p.yStride();
        int lastPair = (len - 1) >> 1;
        // t = near row, l = far row, as libwebp names them for its top output row
        int tlU = u[nearAt] & 0xFF;
        int tlV = v[nearAt] & 0xFF;
        int lU = u[farAt] & 0xFF;
        int lV = v[farAt] & 0xFF;
        put(out, at, plane, p.y()[yAt] & 0xFF, (3 * tlU + lU + 2) >> 2, (3 * tlV + lV + 2) >> 2);
        for (int x = 1; x <= lastPair; x++) {
            int tU = u[nearAt + x] & 0xFF;
            int tV = v[nearAt + x] & 0xFF;
            int cU = u[farAt + x] & 0xFF;
            int cV = v[farAt + x] & 0xFF;
            int avgU = tlU + tU + lU + cU + 8;
            int avgV = tlV + tV + lV + cV + 8;
            int diag12U = (avgU + 2 * (tU + lU)) >> 3;
            int diag12V = (avgV + 2 * (tV + lV)) >> 3;
            int diag03U = (avgU + 2 * (tlU + cU)) >> 3;
            int diag03V = (avgV + 2 * (tlV + cV)) >> 3;
            put(out, at + 2 * x - 1, plane, p.y()[yAt + 2 * x - 1] & 0xFF, (diag12U + tlU) >> 1, (diag12V + tlV) >> 1);
            put(out, at + 2 * x, plane, p.y()[yAt + 2 * x] & 0xFF, (diag03U + tU) >> 1, (diag03V + tV) >> 1);
            tlU = tU;
            tlV = tV;
            lU = cU;
            lV = cV;
        }
        if ((len & 1) == 0) {
            put(out, at + len - 1, plane, p.y()[yAt + len - 1] & 0xFF, (3 * tlU + lU + 2) >> 2, (3 * tlV + lV + 2) >> 2);
        }
    }

    private static void put(byte[] out, int i, int plane, int y, int u, int v) {
        out[i] = (byte) red(y, v);
        out[plane + i] = (byte) green(y, u, v);
        out[2 * plane + i] = (byte) blue(y, u);
    }

    /** libwebp {@code VP8YUVToR}. */
    static int red(int y, int v) {
        return clip8(multHi(y, 19077) + multHi(v, 26149) - 14234);
    }

    /** libwebp {@code VP8YUVToG}. */
    static int green(int y, int u, int v) {
        return clip8(multHi(y, 19077) - multHi(u, 6419) - multHi(v, 13320) + 8708);
    }

    /** libwebp {@code VP8YUVToB}. */
    static int blue(int y, int u) {
        return clip8(multHi(y, 19077) + multHi(u, 33050) - 17685);
    }

    private static int multHi(int v, int coeff) {
        return (v * coeff) >> 8;
    }

    private static int clip8(int v) {
        return (v & ~YUV_MASK2) == 0 ? v >> YUV_FIX2 : v < 0 ? 0 : 255;
    }
}
