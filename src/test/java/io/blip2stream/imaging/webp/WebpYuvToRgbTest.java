package io.blip2stream.imaging.webp;

import io.blip2stream.imaging.RgbImage;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** libwebp's fixed-point YUV to RGB and its 9-3-3-1 chroma upsampling, on hand-checked values. */
class WebpYuvToRgbTest {

    @Test
    void fixedPointConversionOnHandCheckedValues() {
        // (16 * 19077 >> 8) + (128 * 26149 >> 8) - 14234 = 1192 + 13074 - 14234 = 32 -> 32 >> 6 = 0
        assertThat(rgb(16, 128, 128)).containsExactly(0, 0, 0);
        // 9538 + 13074 - 14234 = 8378 -> 130; 9538 - 3209 - 6660 + 8708 = 8377 -> 130
        assertThat(rgb(128, 128, 128)).containsExactly(130, 130, 130);
        // 17512 + 13074 - 14234 = 16352 -> 255 (still inside 14 bits)
        assertThat(rgb(235, 128, 128)).containsExactly(255, 255, 255);
        // clipping on both sides
        assertThat(rgb(255, 255, 255)[0]).isEqualTo(255);
        assertThat(rgb(0, 0, 0)[0]).isZero();
        assertThat(rgb(0, 255, 255)[1]).isZero(); // 0 - 6393 - 13267 + 8708 < 0
    }

    @Test
    void conversionStaysWithinOneLevelOfBt601() {
        for (int y = 0; y < 256; y += 3) {
            for (int u = 0; u < 256; u += 5) {
                for (int v = 0; v < 256; v += 7) {
                    double r = 1.164 * (y - 16) + 1.596 * (v - 128);
                    double g = 1.164 * (y - 16) - 0.391 * (u - 128) - 0.813 * (v - 128);
                    double b = 1.164 * (y - 16) + 2.018 * (u - 128);
                    int[] got = rgb(y, u, v);
                    assertThat(got[0]).as("R of %d %d %d", y, u, v).isBetween(clamp(r) - 1, clamp(r) + 1);
                    assertThat(got[1]).as("G of %d %d %d", y, u, v).isBetween(clamp(g) - 1, clamp(g) + 1);
                    assertThat(got[2]).as("B of %d %d %d", y, u, v).isBetween(clamp(b) - 1, clamp(b) + 1);
                }
            }
        }
    }

    /**
     * V = [[0, 64], [128, 255]] upsampled to 4x4; each value is libwebp's two-step rounding of
     * (9 * near + 3 * beside + 3 * across + diagonal) / 16, edges mirrored. For example at (1, 1):
     * avg = 0 + 64 + 128 + 255 + 8 = 455, diag = (455 + 2 * (64 + 128)) >> 3 = 104, (104 + 0) >> 1 = 52.
     */
    private static final int[][] V_4X4 = {
        {0, 16, 48, 64},
        {32, 52, 92, 112},
        {96, 124, 179, 207},
        {128, 160, 223, 255},
    };

    @Test
    void upsamplesChromaOfAnEvenSizedImage() {
        RgbImage rgb = new RgbImage(4, 4, WebpYuvToRgb.convert(planes(4, 4)));

        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int v = V_4X4[y][x];
                assertThat(rgb.get(0, x, y)).as("R at %d,%d", x, y).isEqualTo(WebpYuvToRgb.red(128, v));
                assertThat(rgb.get(1, x, y)).as("G at %d,%d", x, y).isEqualTo(WebpYuvToRgb.green(128, 128, v));
                assertThat(rgb.get(2, x, y)).as("B at %d,%d", x, y).isEqualTo(WebpYuvToRgb.blue(128, 128));
            }
        }
    }

    @Test
    void upsamplesChromaOfAnOddSizedImage() {
        // 3x3: the same chroma, no mirrored last row or column
        RgbImage rgb = new RgbImage(3, 3, WebpYuvToRgb.convert(planes(3, 3)));

        int[][] expected = {{0, 16, 48}, {32, 52, 92}, {96, 124, 179}};
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                assertThat(rgb.get(0, x, y)).as("R at %d,%d", x, y).isEqualTo(WebpYuvToRgb.red(128, expected[y][x]));
            }
        }
    }

    @Test
    void redIsStrictlyIncreasingInV() {
        // so the upsampling tests above pin V itself, not only its colour
        for (int v = 1; v < 256; v++) {
            assertThat(WebpYuvToRgb.red(128, v)).isGreaterThanOrEqualTo(WebpYuvToRgb.red(128, v - 1));
        }
        assertThat(WebpYuvToRgb.red(128, 52)).isNotEqualTo(WebpYuvToRgb.red(128, 51));
        assertThat(WebpYuvToRgb.red(128, 92)).isNotEqualTo(WebpYuvToRgb.red(128, 91));
    }

    /** Y = 128 and U = 128 everywhere, V as above, in 16-pixel-wide macroblock planes. */
    private static Vp8Planes planes(int width, int height) {
        byte[] y = new byte[16 * 16]; // [16, 16]
        byte[] u = new byte[8 * 8]; // [8, 8]
        byte[] v = new byte[8 * 8];
        Arrays.fill(y, (byte) 128);
        Arrays.fill(u, (byte) 128);
        v[0] = 0;
        v[1] = 64;
        v[8] = (byte) 128;
        v[9] = (byte) 255;
        return new Vp8Planes(width, height, y, 16, u, v, 8);
    }

    private static int[] rgb(int y, int u, int v) {
        return new int[] {WebpYuvToRgb.red(y, v), WebpYuvToRgb.green(y, u, v), WebpYuvToRgb.blue(y, u)};
    }

    private static int clamp(double x) {
        return (int) Math.max(0, Math.min(255, Math.round(x)));
    }
}
