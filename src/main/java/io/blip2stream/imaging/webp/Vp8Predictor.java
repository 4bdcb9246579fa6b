package io.blip2stream.imaging.webp;

import static io.blip2stream.imaging.webp.Vp8Macroblock.B_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.DC_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.H_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.TM_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.V_PRED;

import java.util.Arrays;

/**
 * Intra prediction plus residuals for every macroblock, before the loop filter, as libwebp's
 * {@code ReconstructRow} ({@code src/dec/frame_dec.c}) and the predictors of
 * {@code src/dsp/dec.c}: neighbours outside the frame are 127 above and 129 to the left, DC
 * prediction averages only the neighbours that exist, and the 4x4 blocks of the right column
 * all use the four pixels above-right of the macroblock.
 */
final class Vp8Predictor {

    /** Work area: a border row and column around the block, 4 extra columns on the right. */
    private static final int BPS = 21;
    private static final int Y0 = BPS + 1; // where pixel (0, 0) of the luma block lies
    private static final int UV_BPS = 9;
    private static final int UV0 = UV_BPS + 1;

    private final int cols;
    private final int yStride;
    private final int uvStride;
    private final byte[] yPlane;
    private final byte[] uPlane;
    private final byte[] vPlane;
    private final Vp8Planes planes;
    private final int[] yWork = new int[BPS * 17]; // [17, 21] work block with its border
    private final int[] uWork = new int[UV_BPS * 9]; // [9, 9]
    private final int[] vWork = new int[UV_BPS * 9];

    /** A predictor writing into new frame planes of the header's size. */
    Vp8Predictor(Vp8FrameHeader h) {
        cols = h.mbCols();
        yStride = 16 * cols;
        uvStride = 8 * cols;
        yPlane = new byte[yStride * 16 * h.mbRows()]; // [mbRows * 16, yStride]
        uPlane = new byte[uvStride * 8 * h.mbRows()]; // [mbRows * 8, uvStride]
        vPlane = new byte[uvStride * 8 * h.mbRows()];
        planes = new Vp8Planes(h.width(), h.height(), yPlane, yStride, uPlane, vPlane, uvStride);
    }

    /** The planes written so far (all of them once every macroblock is reconstructed). */
    Vp8Planes planes() {
        return planes;
    }

    /**
     * Predicts macroblock ({@code mx}, {@code my}) from its already reconstructed neighbours, adds
     * its residuals and stores it. Macroblocks must come in raster order.
     */
    void reconstruct(Vp8Macroblock mb, int mx, int my) {
        loadBorders(yWork, Y0, BPS, 16, yPlane, yStride, mx, my, true, cols);
        loadBorders(uWork, UV0, UV_BPS, 8, uPlane, uvStride, mx, my, false, cols);
        loadBorders(vWork, UV0, UV_BPS, 8, vPlane, uvStride, mx, my, false, cols);
        if (mb.yMode == B_PRED) {
            for (int n = 0; n < 16; n++) {
                int at = Y0 + 4 * (n >> 2) * BPS + 4 * (n & 3);
                predict4(mb.subModes[n], yWork, at);
                Vp8Idct.add(mb.coeffs, 16 * n, yWork, at, BPS);
            }
        } else {
            predictBlock(mb.yMode, yWork, Y0, BPS, 16, mx, my);
            for (int n = 0; n < 16; n++) {
                Vp8Idct.add(mb.coeffs, 16 * n, yWork, Y0 + 4 * (n >> 2) * BPS + 4 * (n & 3), BPS);
            }
        }
        predictBlock(mb.uvMode, uWork, UV0, UV_BPS, 8, mx, my);
        predictBlock(mb.uvMode, vWork, UV0, UV_BPS, 8, mx, my);
        for (int n = 0; n < 4; n++) {
            int at = UV0 + 4 * (n >> 1) * UV_BPS + 4 * (n & 1);
            Vp8Idct.add(mb.coeffs, 16 * (16 + n), uWork, at, UV_BPS);
            Vp8Idct.add(mb.coeffs, 16 * (20 + n), vWork, at, UV_BPS);
        }
        store(yWork, Y0, BPS, 16, yPlane, yStride, mx, my);
        store(uWork, UV0, UV_BPS, 8, uPlane, uvStride, mx, my);
        store(vWork, UV0, UV_BPS, 8, vPlane, uvStride, mx, my);
    }

    /** Fills the border of the work block from the (unfiltered) frame or the frame's edges. */
    private static void loadBorders(int[] w, int o, int bps, int size, byte[] plane, int stride, int mx, int my,
                                    boolean luma, int cols) {
        int px = mx * size;
        int py = my * size;
        if (my == 0) {
            for (int x = -1; x < (luma ? size + 4 : size); x++) {
                w[o - bps + x] = 127;
            }
        } else {
            int above = (py - 1) * stride;
            for (int x = 0; x < size; x++) {
                w[o - bps + x] = plane[above + px + x] & 0xFF;
            }
            w[o - bps - 1] = mx > 0 ? plane[above + px - 1] & 0xFF : 129;
            if (luma) {
                for (int x = size; x < size + 4; x++) {
                    // above-right: the next macroblock's bottom row, or the last pixel repeated
                    w[o - bps + x] = mx < cols - 1 ? plane[above + px + x] & 0xFF : plane[above + px + size - 1] & 0xFF;
                }
            }
        }
        for (int y = 0; y < size; y++) {
            w[o + y * bps - 1] = mx > 0 ? plane[(py + y) * stride + px - 1] & 0xFF : 129;
        }
        if (luma) {
            // the 4x4 blocks of the right column all see the macroblock's above-right pixels
            for (int r = 3; r < size; r += 4) {
                for (int x = size; x < size + 4; x++) {
                    w[o + r * bps + x] = w[o - bps + x];
                }
            }
        }
    }

    private static void store(int[] w, int o, int bps, int size, byte[] plane, int stride, int mx, int my) {
        for (int y = 0; y < size; y++) {
            int to = (my * size + y) * stride + mx * size;
            for (int x = 0; x < size; x++) {
                plane[to + x] = (byte) w[o + y * bps + x];
            }
        }
    }

    /** A 16x16 luma or 8x8 chroma predictor (libwebp's {@code CheckMode} for DC at the edges). */
    private static void predictBlock(int mode, int[] w, int o, int bps, int size, int mx, int my) {
        switch (mode) {
            case DC_PRED -> {
                int shift = size == 16 ? 4 : 3;
                int dc;
                if (mx > 0 && my > 0) {
                    int sum = 0;
                    for (int i = 0; i < size; i++) {
                        sum += w[o - bps + i] + w[o + i * bps - 1];
                    }
                    dc = (sum + size) >> (shift + 1);
                } else if (my > 0) {
                    int sum = 0;
                    for (int i = 0; i < size; i++) {
                        sum += w[o - bps + i];
                    }
                    dc = (sum + (size >> 1)) >> shift;
                } else if (mx > 0) {
                    int sum = 0;
                    for (int i = 0; i < size; i++) {
                        sum += w[o + i * bps - 1];
                    }
                    dc = (sum + (size >> 1)) >> shift;
                } else {
                    dc = 128;
                }
                fill(w, o, bps, size, dc);
            }
            case V_PRED -> {
                for (int y = 0; y < size; y++) {
                    System.arraycopy(w, o - bps, w, o + y * bps, size);
                }
            }
            case H_PRED -> {
                for (int y = 0; y < size; y++) {
                    Arrays.fill(w, o + y * bps, o + y * bps + size, w[o + y * bps - 1]);
                }
            }
            case TM_PRED -> trueMotion(w, o, bps, size);
            default -> throw new Vp8Exception("intra mode " + mode);
        }
    }

    private static void fill(int[] w, int o, int bps, int size, int value) {
        for (int y = 0; y < size; y++) {
            Arrays.fill(w, o + y * bps, o + y * bps + size, value);
        }
    }

    private static void trueMotion(int[] w, int o, int bps, int size) {
        int topLeft = w[o - bps - 1];
        for (int y = 0; y < size; y++) {
            int left = w[o + y * bps - 1];
            for (int x = 0; x < size; x++) {
                w[o + y * bps + x] = Vp8Idct.clip(w[o - bps + x] + left - topLeft);
            }
        }
    }

    /** The ten 4x4 predictors of libwebp's {@code src/dsp/dec.c}. */
    private static void predict4(int mode, int[] w, int o) {
        int bps = BPS;
        int top = o - bps;
        int a = w[top];
        int b = w[top + 1];
        int c = w[top + 2];
        int d = w[top + 3];
        int e = w[top + 4];
        int f = w[top + 5];
        int g = w[top + 6];
        int hh = w[top + 7];
        int x = w[top - 1];
        int i = w[o - 1];
        int j = w[o + bps - 1];
        int k = w[o + 2 * bps - 1];
        int l = w[o + 3 * bps - 1];
        switch (mode) {
            case Vp8Macroblock.B_DC_PRED -> {
                int dc = 4 + a + b + c + d + i + j + k + l;
                fill(w, o, bps, 4, dc >> 3);
            }
            case Vp8Macroblock.B_TM_PRED -> trueMotion(w, o, bps, 4);
            case Vp8Macroblock.B_VE_PRED -> {
                int[] vals = {avg3(x, a, b), avg3(a, b, c), avg3(b, c, d), avg3(c, d, e)};
                for (int r = 0; r < 4; r++) {
                    System.arraycopy(vals, 0, w, o + r * bps, 4);
                }
            }
            case Vp8Macroblock.B_HE_PRED -> {
                row(w, o, bps, 0, avg3(x, i, j));
                row(w, o, bps, 1, avg3(i, j, k));
                row(w, o, bps, 2, avg3(j, k, l));
                row(w, o, bps, 3, avg3(k, l, l));
            }
            case Vp8Macroblock.B_RD_PRED -> {
                set(w, o, 0, 3, avg3(j, k, l));
                set(w, o, 1, 3, avg3(i, j, k));
                set(w, o, 0, 2, avg3(i, j, k));
                int xij = avg3(x, i, j);
                set(w, o, 2, 3, xij);
                set(w, o, 1, 2, xij);
                set(w, o, 0, 1, xij);
                int axi = avg3(a, x, i);
                set(w, o, 3, 3, axi);
                set(w, o, 2, 2, axi);
                set(w, o, 1, 1, axi);
                set(w, o, 0, 0, axi);
                int bax = avg3(b, a, x);
                set(w, o, 3, 2, bax);
                set(w, o, 2, 1, bax);
                set(w, o, 1, 0, bax);
                int cba = avg3(c, b, a);
                set(w, o, 3, 1, cba);
                set(w, o, 2, 0, cba);
                set(w, o, 3, 0, avg3(d, c, b));
            }
            case Vp8Macroblock.B_LD_PRED -> {
                set(w, o, 0, 0, avg3(a, b, c));
                int bcd = avg3(b, c, d);
                set(w, o, 1, 0, bcd);
                set(w, o, 0, 1, bcd);
                int cde = avg3(c, d, e);
                set(w, o, 2, 0, cde);
                set(w, o, 1, 1, cde);
                set(w, o, 0, 2, cde);
                int def = avg3(d, e, f);
                set(w, o, 3, 0, def);
                set(w, o, 2, 1, def);
                set(w, o, 1, 2, def);
                set(w, o, 0, 3, def);
                int efg = avg3(e, f, g);
                set(w, o, 3, 1, efg);
                set(w, o, 2, 2, efg);
                set(w, o, 1, 3, efg);
                int fgh = avg3(f, g, hh);
                set(w, o, 3, 2, fgh);
                set(w, o, 2, 3, fgh);
                set(w, o, 3, 3, avg3(g, hh, hh));
            }
            case Vp8Macroblock.B_VR_PRED -> {
                int xa = avg2(x, a);
                set(w, o, 0, 0, xa);
                set(w, o, 1, 2, xa);
                int ab = avg2(a, b);
                set(w, o, 1, 0, ab);
                set(w, o, 2, 2, ab);
                int bc = avg2(b, c);
                set(w, o, 2, 0, bc);
                set(w, o, 3, 2, bc);
                set(w, o, 3, 0, avg2(c, d));
                set(w, o, 0, 3, avg3(k, j, i));
                set(w, o, 0, 2, avg3(j, i, x));
                int ixa = avg3(i, x, a);
                set(w, o, 0, 1, ixa);
                set(w, o, 1, 3, ixa);
                int xab = avg3(x, a, b);
                set(w, o, 1, 1, xab);
                set(w, o, 2, 3, xab);
                int abc = avg3(a, b, c);
                set(w, o, 2, 1, abc);
                set(w, o, 3, 3, abc);
                set(w, o, 3, 1, avg3(b, c, d));
            }
            case Vp8Macroblock.B_VL_PRED -> {
                set(w, o, 0, 0, avg2(a, b));
                int bc = avg2(b, c);
                set(w, o, 1, 0, bc);
                set(w, o, 0, 2, bc);
                int cd = avg2(c, d);
                set(w, o, 2, 0, cd);
                set(w, o, 1, 2, cd);
                int de = avg2(d, e);
                set(w, o, 3, 0, de);
                set(w, o, 2, 2, de);
                set(w, o, 0, 1, avg3(a, b, c));
                int bcd = avg3(b, c, d);
                set(w, o, 1, 1, bcd);
                set(w, o, 0, 3, bcd);
                int cde = avg3(c, d, e);
                set(w, o, 2, 1, cde);
                set(w, o, 1, 3, cde);
                int def = avg3(d, e, f);
                set(w, o, 3, 1, def);
                set(w, o, 2, 3, def);
                set(w, o, 3, 2, avg3(e, f, g));
                set(w, o, 3, 3, avg3(f, g, hh));
            }
            case Vp8Macroblock.B_HD_PRED -> {
                int ix = avg2(i, x);
                set(w, o, 0, 0, ix);
                set(w, o, 2, 1, ix);
                int ji = avg2(j, i);
                set(w, o, 0, 1, ji);
                set(w, o, 2, 2, ji);
                int kj = avg2(k, j);
                set(w, o, 0, 2, kj);
                set(w, o, 2, 3, kj);
                set(w, o, 0, 3, avg2(l, k));
                set(w, o, 3, 0, avg3(a, b, c));
                set(w, o, 2, 0, avg3(x, a, b));
                int ixa = avg3(i, x, a);
                set(w, o, 1, 0, ixa);
                set(w, o, 3, 1, ixa);
                int jix = avg3(j, i, x);
                set(w, o, 1, 1, jix);
                set(w, o, 3, 2, jix);
                int kji = avg3(k, j, i);
                set(w, o, 1, 2, kji);
                set(w, o, 3, 3, kji);
                set(w, o, 1, 3, avg3(l, k, j));
            }
            case Vp8Macroblock.B_HU_PRED -> {
                set(w, o, 0, 0, avg2(i, j));
                int jk = avg2(j, k);
                set(w, o, 2, 0, jk);
                set(w, o, 0, 1, jk);
                int kl = avg2(k, l);
                set(w, o, 2, 1, kl);
                set(w, o, 0, 2, kl);
                set(w, o, 1, 0, avg3(i, j, k));
                int jkl = avg3(j, k, l);
                set(w, o, 3, 0, jkl);
                set(w, o, 1, 1, jkl);
                int kll = avg3(k, l, l);
                set(w, o, 3, 1, kll);
                set(w, o, 1, 2, kll);
                set(w, o, 3, 2, l);
                set(w, o, 2, 2, l);
                set(w, o, 0, 3, l);
                set(w, o, 1, 3, l);
                set(w, o, 2, 3, l);
                set(w, o, 3, 3, l);
            }
            default -> throw new Vp8Exception("sub-block mode " + mode);
        }
    }

    private static void set(int[] w, int o, int x, int y, int value) {
        w[o + y * BPS + x] = value;
    }

    private static void row(int[] w, int o, int bps, int y, int value) {
        Arrays.fill(w, o + y * bps, o + y * bps + 4, value);
    }

    private static int avg3(int a, int b, int c) {
        return (a + 2 * b + c + 2) >> 2;
    }

    private static int avg2(int a, int b) {
        return (a + b + 1) >> 1;
    }
}
