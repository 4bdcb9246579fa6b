package io.blip2stream.imaging.webp;

/**
 * The VP8 in-loop deblocking filter over a reconstructed frame, macroblock by macroblock in
 * raster order: left edge, inner vertical edges, top edge, inner horizontal edges. Strengths and
 * filters as libwebp's {@code PrecomputeFilterStrengths}/{@code DoFilter}
 * ({@code src/dec/frame_dec.c}) and {@code src/dsp/dec.c}; the simple filter touches luma only.
 */
final class Vp8LoopFilter {

    private Vp8LoopFilter() {
    }

    /** Filter parameters of one macroblock; {@code limit == 0} means unfiltered. */
    record Strength(int limit, int interiorLimit, int hevThreshold, boolean inner) {
    }

    private static final int I4X4 = 0x04;
    private static final int NON_ZERO = 0x08;

    /** What the filter needs of a macroblock, in one byte: segment, 4x4 prediction, coefficients. */
    static byte info(int segment, boolean i4x4, boolean nonZero) {
        return (byte) (segment | (i4x4 ? I4X4 : 0) | (nonZero ? NON_ZERO : 0));
    }

    /**
     * Filters the frame in place.
     *
     * @param info one {@link #info} byte per macroblock    // [mbRows, mbCols]
     */
    static void apply(Vp8FrameHeader h, byte[] info, Vp8Planes p) {
        int type = h.filterType();
        if (type == 0) {
            return;
        }
        Strength[][] strengths = strengths(h); // [segment][i4x4 ? 1 : 0]
        int cols = h.mbCols();
        for (int my = 0; my < h.mbRows(); my++) {
            for (int mx = 0; mx < cols; mx++) {
                int mb = info[my * cols + mx];
                Strength s = strengths[mb & 0x03][(mb & I4X4) != 0 ? 1 : 0];
                if (s.limit() == 0) {
                    continue;
                }
                boolean inner = s.inner() || (mb & NON_ZERO) != 0;
                filterMacroblock(type, s, inner, p, mx, my);
            }
        }
    }

    static Strength[][] strengths(Vp8FrameHeader h) {
        Strength[][] out = new Strength[Vp8FrameHeader.SEGMENTS][2];
        for (int s = 0; s < Vp8FrameHeader.SEGMENTS; s++) {
            int base;
            if (h.useSegment()) {
                base = h.segmentFilterStrength(s);
                if (!h.absoluteDelta()) {
                    base += h.filterLevel();
                }
            } else {
                base = h.filterLevel();
            }
            for (int i4x4 = 0; i4x4 <= 1; i4x4++) {
                int level = base;
                if (h.useLfDelta()) {
                    level += h.refLfDelta(0);
                    if (i4x4 == 1) {
                        level += h.modeLfDelta(0);
                    }
                }
                level = level < 0 ? 0 : Math.min(level, 63);
                if (level > 0) {
                    int ilevel = level;
                    if (h.sharpness() > 0) {
                        ilevel >>= h.sharpness() > 4 ? 2 : 1;
                        ilevel = Math.min(ilevel, 9 - h.sharpness());
                    }
                    ilevel = Math.max(ilevel, 1);
                    int hev = level >= 40 ? 2 : level >= 15 ? 1 : 0;
                    out[s][i4x4] = new Strength(2 * level + ilevel, ilevel, hev, i4x4 == 1);
                } else {
                    out[s][i4x4] = new Strength(0, 0, 0, i4x4 == 1);
                }
            }
        }
        return out;
    }

    private static void filterMacroblock(int type, Strength s, boolean inner, Vp8Planes p, int mx, int my) {
        byte[] y = p.y();
        int ys = p.yStride();
        int yAt = 16 * my * ys + 16 * mx;
        int limit = s.limit();
        if (type == 1) {
            if (mx > 0) {
                simple(y, yAt, 1, ys, limit + 4);
            }
            if (inner) {
                for (int k = 4; k < 16; k += 4) {
                    simple(y, yAt + k, 1, ys, limit);
                }
            }
            if (my > 0) {
                simple(y, yAt, ys, 1, limit + 4);
            }
            if (inner) {
                for (int k = 4; k < 16; k += 4) {
                    simple(y, yAt + k * ys, ys, 1, limit);
                }
            }
            return;
        }
        int il = s.interiorLimit();
        int hev = s.hevThreshold();
        int uvs = p.uvStride();
        int uvAt = 8 * my * uvs + 8 * mx;
        byte[] u = p.u();
        byte[] v = p.v();
        if (mx > 0) {
            loop26(y, yAt, 1, ys, 16, limit + 4, il, hev);
            loop26(u, uvAt, 1, uvs, 8, limit + 4, il, hev);
            loop26(v, uvAt, 1, uvs, 8, limit + 4, il, hev);
        }
        if (inner) {
            for (int k = 4; k < 16; k += 4) {
                loop24(y, yAt + k, 1, ys, 16, limit, il, hev);
            }
            loop24(u, uvAt + 4, 1, uvs, 8, limit, il, hev);
            loop24(v, uvAt + 4, 1, uvs, 8, limit, il, hev);
        }
        if (my > 0) {
            loop26(y, yAt, ys, 1, 16, limit + 4, il, hev);
            loop26(u, uvAt, uvs, 1, 8, limit + 4, il, hev);
            loop26(v, uvAt, uvs, 1, 8, limit + 4, il, hev);
        }
        if (inner) {
            for (int k = 4; k < 16; k += 4) {
                loop24(y, yAt + k * ys, ys, 1, 16, limit, il, hev);
            }
            loop24(u, uvAt + 4 * uvs, uvs, 1, 8, limit, il, hev);
            loop24(v, uvAt + 4 * uvs, uvs, 1, 8, limit, il, hev);
        }
    }

    /**
     * The simple filter along 16 pixels of one edge: {@code step} crosses the edge,
     * {@code along} moves along it.
     */
    private static void simple(byte[] px, int at, int step, int along, int thresh) {
        int thresh2 = 2 * thresh + 1;
        for (int i = 0; i < 16; i++) {
            int q = at + i * along;
            if (needsFilter(px, q, step, thresh2)) {
                filter2(px, q, step);
            }
        }
    }

    /** Macroblock edges of the normal filter (libwebp {@code FilterLoop26}). */
    private static void loop26(byte[] px, int at, int step, int along, int size, int thresh, int ithresh, int hevThresh) {
        int thresh2 = 2 * thresh + 1;
        for (int i = 0; i < size; i++) {
            int q = at + i * along;
            if (needsFilter2(px, q, step, thresh2, ithresh)) {
                if (hev(px, q, step, hevThresh)) {
                    filter2(px, q, step);
                } else {
                    filter6(px, q, step);
                }
            }
        }
    }

    /** Inner edges of the normal filter (libwebp {@code FilterLoop24}). */
    private static void loop24(byte[] px, int at, int step, int along, int size, int thresh, int ithresh, int hevThresh) {
        int thresh2 = 2 * thresh + 1;
        for (int i = 0; i < size; i++) {
            int q = at + i * along;
            if (needsFilter2(px, q, step, thresh2, ithresh)) {
                if (hev(px, q, step, hevThresh)) {
                    filter2(px, q, step);
                } else {
                    filter4(px, q, step);
                }
            }
        }
    }

    private static int at(byte[] px, int i) {
        return px[i] & 0xFF;
    }

    private static boolean needsFilter(byte[] px, int q, int step, int t) {
        int p1 = at(px, q - 2 * step);
        int p0 = at(px, q - step);
        int q0 = at(px, q);
        int q1 = at(px, q + step);
        return 4 * Math.abs(p0 - q0) + Math.abs(p1 - q1) <= t;
    }

    private static boolean needsFilter2(byte[] px, int q, int step, int t, int it) {
        int p3 = at(px, q - 4 * step);
        int p2 = at(px, q - 3 * step);
        int p1 = at(px, q - 2 * step);
        int p0 = at(px, q - step);
        int q0 = at(px, q);
        int q1 = at(px, q + step);
        int q2 = at(px, q + 2 * step);
        int q3 = at(px, q + 3 * step);
        if (4 * Math.abs(p0 - q0) + Math.abs(p1 - q1) > t) {
            return false;
        }
        return Math.abs(p3 - p2) <= it && Math.abs(p2 - p1) <= it && Math.abs(p1 - p0) <= it
                && Math.abs(q3 - q2) <= it && Math.abs(q2 - q1) <= it && Math.abs(q1 - q0) <= it;
    }

    private static boolean hev(byte[] px, int q, int step, int thresh) {
        int p1 = at(px, q - 2 * step);
        int p0 = at(px, q - step);
        int q0 = at(px, q);
        int q1 = at(px, q + step);
        return Math.abs(p1 - p0) > thresh || Math.abs(q1 - q0) > thresh;
    }

    /** 4 pixels in, 2 out. */
    private static void filter2(byte[] px, int q, int step) {
        int p1 = at(px, q - 2 * step);
        int p0 = at(px, q - step);
        int q0 = at(px, q);
        int q1 = at(px, q + step);
        int a = 3 * (q0 - p0) + sclip1(p1 - q1);
        int a1 = sclip2((a + 4) >> 3);
        int a2 = sclip2((a + 3) >> 3);
        px[q - step] = (byte) clip1(p0 + a2);
        px[q] = (byte) clip1(q0 - a1);
    }

    /** 4 pixels in, 4 out. */
    private static void filter4(byte[] px, int q, int step) {
        int p1 = at(px, q - 2 * step);
        int p0 = at(px, q - step);
        int q0 = at(px, q);
        int q1 = at(px, q + step);
        int a = 3 * (q0 - p0);
        int a1 = sclip2((a + 4) >> 3);
        int a2 = sclip2((a + 3) >> 3);
        int a3 = (a1 + 1) >> 1;
        px[q - 2 * step] = (byte) clip1(p1 + a3);
        px[q - step] = (byte) clip1(p0 + a2);
        px[q] = (byte) clip1(q0 - a1);
        px[q + step] = (byte) clip1(q1 - a3);
    }

    /** 6 pixels in, 6 out. */
    private static void filter6(byte[] px, int q, int step) {
        int p2 = at(px, q - 3 * step);
        int p1 = at(px, q - 2 * step);
        int p0 = at(px, q - step);
        int q0 = at(px, q);
        int q1 = at(px, q + step);
        int q2 = at(px, q + 2 * step);
        int a = sclip1(3 * (q0 - p0) + sclip1(p1 - q1));
        int a1 = (27 * a + 63) >> 7;
        int a2 = (18 * a + 63) >> 7;
        int a3 = (9 * a + 63) >> 7;
        px[q - 3 * step] = (byte) clip1(p2 + a3);
        px[q - 2 * step] = (byte) clip1(p1 + a2);
        px[q - step] = (byte) clip1(p0 + a1);
        px[q] = (byte) clip1(q0 - a1);
        px[q + step] = (byte) clip1(q1 - a2);
        px[q + 2 * step] = (byte) clip1(q2 - a3);
    }

    private static int sclip1(int v) {
        return v < -128 ? -128 : Math.min(v, 127);
    }

    private static int sclip2(int v) {
        return v < -16 ? -16 : Math.min(v, 15);
    }

    private static int clip1(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
