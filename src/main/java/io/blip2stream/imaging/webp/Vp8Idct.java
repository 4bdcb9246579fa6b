package io.blip2stream.imaging.webp;

/** The VP8 inverse DCT added to a prediction, as libwebp's {@code TransformOne}. */
final class Vp8Idct {

    private Vp8Idct() {
    }

    /**
     * Adds the inverse transform of {@code coeffs[from .. from + 16)} (raster order) to the 4x4
     * block at {@code dst[at]} (row length {@code stride}), clipping to 0..255. An all-zero block
     * leaves the prediction as it is.
     */
    static void add(short[] coeffs, int from, int[] dst, int at, int stride) {
        boolean any = false;
        for (int i = 0; i < 16; i++) {
            if (coeffs[from + i] != 0) {
                any = true;
                break;
            }
        }
        if (!any) {
            return;
        }
        int[] tmp = new int[16]; // [4 columns, 4 rows]
        for (int i = 0; i < 4; i++) { // vertical pass, column i
            int in0 = coeffs[from + i];
            int in4 = coeffs[from + 4 + i];
            int in8 = coeffs[from + 8 + i];
            int in12 = coeffs[from + 12 + i];
            int a = in0 + in8;
            int b = in0 - in8;
            int c = mul2(in4) - mul1(in12);
            int d = mul1(in4) + mul2(in12);
            tmp[4 * i] = a + d;
            tmp[4 * i + 1] = b + c;
            tmp[4 * i + 2] = b - c;
            tmp[4 * i + 3] = a - d;
        }
        for (int i = 0; i < 4; i++) { // horizontal pass, row i
            int dc = tmp[i] + 4;
            int a = dc + tmp[8 + i];
            int b = dc - tmp[8 + i];
            int c = mul2(tmp[4 + i]) - mul1(tmp[12 + i]);
            int d = mul1(tmp[4 + i]) + mul2(tmp[12 + i]);
            int row = at + i * stride;
            dst[row] = clip(dst[row] + ((a + d) >> 3));
            dst[row + 1] = clip(dst[row + 1] + ((b + c) >> 3));
            dst[row + 2] = clip(dst[row + 2] + ((b - c) >> 3));
            dst[row + 3] = clip(dst[row + 3] + ((a - d) >> 3));
        }
    }

    private static int mul1(int a) {
        return ((a * 20091) >> 16) + a;
    }

    private static int mul2(int a) {
        return (a * 35468) >> 16;
    }

    /** {@code v} clamped to a sample, 0..255. */
    static int clip(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
