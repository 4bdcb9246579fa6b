package io.blip2stream.pipeline.preprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Pure tests of the uint8 resampler: coefficients, edge cases, and a naive double reference. */
class ResamplerTest {

    @Test
    void halvingTwoPixelsAveragesThemWithHalfWeights() {
        // scale 2, bicubic support 4: both taps at distance 0.25 from the centre, equal weights
        ResampleWeights w = ResampleWeights.compute(2, 1, ResampleFilter.BICUBIC, true);

        assertThat(w.start()).containsExactly(0);
        assertThat(w.count()).containsExactly(2);
        assertThat(w.precision()).isEqualTo(15);
        assertThat(w.weights()[0]).isEqualTo((short) 16384);
        assertThat(w.weights()[1]).isEqualTo((short) 16384);
        // planar [3, 1, 2]: each channel is (10, 21); (10 + 21) / 2 = 15.5 rounds up
        assertThat(Resampler.resize(new byte[] {10, 21, 10, 21, 10, 21}, 3, 2, 1, 1, 1,
                ResampleFilter.BICUBIC, true)).containsExactly(16, 16, 16);
    }

    @Test
    void bicubicDownscaleHasNegativeLobesAndUnitSum() {
        ResampleWeights w = ResampleWeights.compute(640, 224, ResampleFilter.BICUBIC, true);
        double scale = 640.0 / 224;

        assertThat(w.stride()).isEqualTo((int) Math.ceil(2 * scale) * 2 + 1);
        boolean sawNegative = false;
        for (int i = 0; i < w.outSize(); i++) {
            long sum = 0;
            for (int j = 0; j < w.count()[i]; j++) {
                short k = w.weights()[i * w.stride() + j];
                sum += k;
                sawNegative |= k < 0;
            }
            assertThat(w.count()[i]).isBetween(1, w.stride());
            assertThat(w.start()[i] + w.count()[i]).isLessThanOrEqualTo(640);
            // each weight is rounded on its own: the sum is 2^precision give or take one per tap
            assertThat(Math.abs(sum - (1L << w.precision()))).isLessThanOrEqualTo(w.count()[i]);
        }
        assertThat(sawNegative).isTrue();
        assertThat(w.start()[0]).isZero();
    }

    @Test
    void onePixelUpscalesToAConstantImage() {
        byte[] out = Resampler.resize(new byte[] {(byte) 200, 7, (byte) 255}, 3, 1, 1, 224, 224,
                ResampleFilter.BICUBIC, true); // [3, 224, 224]

        assertThat(out).hasSize(3 * 224 * 224);
        for (int i = 0; i < 224 * 224; i++) {
            assertThat(out[i] & 0xFF).isEqualTo(200);
            assertThat(out[224 * 224 + i] & 0xFF).isEqualTo(7);
            assertThat(out[2 * 224 * 224 + i] & 0xFF).isEqualTo(255);
        }
    }

    @Test
    void upscalingSevenByFiveUsesFiveTapWindowsClippedAtTheBorders() {
        ResampleWeights wx = ResampleWeights.compute(7, 224, ResampleFilter.BICUBIC, true);

        // upscaling: support 2 input pixels, 5 weight slots, windows clipped at both edges
        assertThat(wx.stride()).isEqualTo(5);
        assertThat(wx.start()[0]).isZero();
        assertThat(wx.count()[0]).isEqualTo(2);
        assertThat(wx.start()[223] + wx.count()[223]).isEqualTo(7);
        byte[] img = randomImage(3, 7, 5, 11);

        byte[] out = Resampler.resize(img, 3, 7, 5, 224, 224, ResampleFilter.BICUBIC, true);

        // upscaling overshoots (taps above 1 and below 0), so a one-level rounding difference
        // after the horizontal pass can grow to two after the vertical one, on a handful of pixels
        byte[] ref = naive(img, 3, 7, 5, 224, 224, ResampleFilter.BICUBIC);
        assertThat(maxDiff(out, ref)).isLessThanOrEqualTo(2);
        assertThat(countOver(out, ref, 1)).isLessThanOrEqualTo(out.length / 10_000);
        assertThat(maxDiff(Resampler.resize(img, 3, 7, 5, 224, 5, ResampleFilter.BICUBIC, true),
                naive(img, 3, 7, 5, 224, 5, ResampleFilter.BICUBIC))).as("horizontal pass alone").isLessThanOrEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(value = ResampleFilter.class, names = {"BICUBIC", "BILINEAR"})
    void fixedPointStaysWithinOneLevelOfANaiveDoubleReference(ResampleFilter filter) {
        int[][] sizes = {{640, 480, 224, 224}, {300, 1200, 224, 224}, {53, 37, 224, 224}, {224, 100, 50, 224}};
        for (int[] s : sizes) {
            byte[] img = randomImage(3, s[0], s[1], s[0] * 31 + s[1]);

            byte[] out = Resampler.resize(img, 3, s[0], s[1], s[2], s[3], filter, true);

            assertThat(maxDiff(out, naive(img, 3, s[0], s[1], s[2], s[3], filter)))
                    .as("%s %dx%d -> %dx%d", filter, s[0], s[1], s[2], s[3]).isLessThanOrEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(ResampleFilter.class)
    void constantImagesStayConstant(ResampleFilter filter) {
        for (boolean antialias : new boolean[] {true, false}) {
            byte[] img = new byte[3 * 37 * 23];
            java.util.Arrays.fill(img, (byte) 173);

            byte[] out = Resampler.resize(img, 3, 37, 23, 224, 11, filter, antialias);

            for (byte b : out) {
                assertThat(b & 0xFF).isEqualTo(173);
            }
        }
    }

    @Test
    void sameSizeIsACopy() {
        byte[] img = randomImage(3, 9, 4, 3);

        byte[] out = Resampler.resize(img, 3, 9, 4, 9, 4, ResampleFilter.BICUBIC, true);

        assertThat(out).isEqualTo(img).isNotSameAs(img);
    }

    @Test
    void nearestExactPicksTheCentreSample() {
        assertThat(Resampler.nearestIndices(4, 2)).containsExactly(1, 3);
        assertThat(Resampler.nearestIndices(2, 4)).containsExactly(0, 0, 1, 1);
        assertThat(Resampler.nearestIndices(1, 3)).containsExactly(0, 0, 0);
    }

    @Test
    void unknownFilterNamesAreRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResampleFilter.byName("lanczos"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lanczos");
        assertThat(ResampleFilter.byName("BICUBIC")).isEqualTo(ResampleFilter.BICUBIC);
    }

    /**
     * Naive reference: the same separable antialiased filter in double precision, straight from
     * the definition, with rounding to uint8 between the passes.
     */
    static byte[] naive(byte[] src, int channels, int inW, int inH, int outW, int outH, ResampleFilter filter) {
        double[] tmp = new double[channels * inH * outW]; // [channels, inH, outW]
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < inH; y++) {
                double[] row = new double[inW];
                for (int x = 0; x < inW; x++) {
                    row[x] = src[(c * inH + y) * inW + x] & 0xFF;
                }
                for (int x = 0; x < outW; x++) {
                    tmp[(c * inH + y) * outW + x] = outW == inW ? row[x]
                            : Math.clamp(Math.floor(tap(row, inW, outW, x, filter) + 0.5), 0, 255);
                }
            }
        }
        byte[] out = new byte[channels * outH * outW]; // [channels, outH, outW]
        for (int c = 0; c < channels; c++) {
            for (int x = 0; x < outW; x++) {
                double[] column = new double[inH];
                for (int y = 0; y < inH; y++) {
                    column[y] = tmp[(c * inH + y) * outW + x];
                }
                for (int y = 0; y < outH; y++) {
                    double v = outH == inH ? column[y] : tap(column, inH, outH, y, filter);
                    out[(c * outH + y) * outW + x] = (byte) Math.clamp(Math.floor(v + 0.5), 0, 255);
                }
            }
        }
        return out;
    }

    private static double tap(double[] line, int inSize, int outSize, int i, ResampleFilter f) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = f.interpSize() * 0.5 * filterScale;
        double center = (i + 0.5) * scale;
        int lo = Math.max((int) (center - support + 0.5), 0);
        int hi = Math.min((int) (center + support + 0.5), inSize);
        double sum = 0;
        double wsum = 0;
        for (int k = lo; k < hi; k++) {
            double w = f.weight((k - center + 0.5) / filterScale, true);
            sum += w * line[k];
            wsum += w;
        }
        return sum / wsum;
    }

    private static int maxDiff(byte[] a, byte[] b) {
        assertThat(a).hasSameSizeAs(b);
        int max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
        }
        return max;
    }

    private static int countOver(byte[] a, byte[] b, int limit) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)) > limit) {
                n++;
            }
        }
        return n;
    }

    private static byte[] randomImage(int channels, int w, int h, long seed) {
        // smooth content plus noise, like a photo: pure noise would make every tap matter
        Random r = new Random(seed);
        byte[] img = new byte[channels * w * h]; // [channels, h, w]
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 128 + 100 * Math.sin(x / (5.0 + c)) * Math.cos(y / 7.0) + r.nextInt(41) - 20;
                    img[(c * h + y) * w + x] = (byte) Math.clamp(Math.round(v), 0, 255);
                }
            }
        }
        return img;
    }

    @ParameterizedTest
    @EnumSource(value = ResampleFilter.class, names = {"BILINEAR", "BICUBIC"})
    void horizontalPassEqualsSummingAlongEachRow(ResampleFilter filter) {
        Random random = new Random(7);
        int[][] sizes = {{640, 224}, {224, 640}, {33, 7}, {7, 33}, {1, 5}, {300, 299}, {97, 224}};
        for (int[] size : sizes) {
            for (boolean antialias : new boolean[] {true, false}) {
                int inW = size[0];
                int rows = 1 + random.nextInt(70);
                byte[] src = new byte[rows * inW];
                random.nextBytes(src);
                ResampleWeights w = ResampleWeights.compute(inW, size[1], filter, antialias);
                assertArrayEquals(rowByRow(src, rows, inW, w), Resampler.horizontal(src, rows, inW, w),
                        filter + " " + inW + " -> " + size[1] + " antialias " + antialias);
            }
        }
    }

    @Test
    void aPhotoWideRowDownscaledEighteenTimesEqualsSummingAlongEachRow() {
        // 73 taps per output pixel, row counts around the four rows done at once
        Random random = new Random(11);
        ResampleWeights w = ResampleWeights.compute(4032, 224, ResampleFilter.BICUBIC, true);
        for (int rows : new int[] {1, 2, 3, 4, 5, 7, 9}) {
            byte[] src = new byte[rows * 4032];
            random.nextBytes(src);
            assertArrayEquals(rowByRow(src, rows, 4032, w), Resampler.horizontal(src, rows, 4032, w), rows + " rows");
        }
    }

    @Test
    void packedSumsComeApartExactlyWhateverTheirSigns() {
        int[] sums = {0, 1, -1, 255 << 14, -(255 << 14), Integer.MAX_VALUE, Integer.MIN_VALUE, 123_456_789, -987_654_321};
        for (int s0 : sums) {
            for (int s1 : sums) {
                long acc = s0 + ((long) s1 << 32);
                assertEquals(s0, Resampler.lane(acc, 0), s0 + ", " + s1);
                assertEquals(s1, Resampler.lane(acc, 1), s0 + ", " + s1);
            }
        }
    }

    /** The pass as torch writes it: for each row, for each output pixel, sum over its taps. */
    private static byte[] rowByRow(byte[] src, int rows, int inW, ResampleWeights w) {
        int outW = w.outSize();
        byte[] dst = new byte[rows * outW];
        int half = 1 << (w.precision() - 1);
        for (int r = 0; r < rows; r++) {
            for (int x = 0; x < outW; x++) {
                int acc = half;
                for (int j = 0; j < w.count()[x]; j++) {
                    acc += (src[r * inW + w.start()[x] + j] & 0xFF) * w.weights()[x * w.stride() + j];
                }
                int v = acc >> w.precision();
                dst[r * outW + x] = (byte) (v < 0 ? 0 : Math.min(v, 255));
            }
        }
        return dst;
    }
}
