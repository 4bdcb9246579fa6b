package io.blip2stream.imaging.webp;

import static io.blip2stream.imaging.webp.Vp8Macroblock.B_DC_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.B_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.B_TM_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.B_VE_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.B_HE_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.DC_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.H_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.TM_PRED;
import static io.blip2stream.imaging.webp.Vp8Macroblock.V_PRED;

import java.util.Arrays;

/**
 * A VP8 key-frame decoder (the lossy WebP bitstream) that produces the same Y, U and V samples
 * as libwebp, which PIL decodes WebP with: frame header, intra modes and DCT tokens (RFC 6386),
 * dequantisation, inverse WHT/DCT, intra prediction from unfiltered neighbours
 * ({@link Vp8Predictor}), then the in-loop deblocking filter over the whole frame
 * ({@link Vp8LoopFilter}). Behaviour follows libwebp's {@code src/dec/vp8_dec.c},
 * {@code tree_dec.c}, {@code quant_dec.c} and {@code frame_dec.c}, including its refusals.
 */
final class Vp8Decoder {

    /** The sub-block context a 16x16 mode leaves for its neighbours, by 16x16 mode. */
    private static final int[] CONTEXT_OF_16X16 = {B_DC_PRED, B_VE_PRED, B_HE_PRED, B_TM_PRED};

    private Vp8Decoder() {
    }

    /**
     * Decodes one VP8 key frame, one macroblock row at a time as libwebp does: the row's modes
     * from the first partition, then each macroblock's tokens, prediction and residuals; the loop
     * filter runs over the whole frame at the end.
     *
     * @param data   the bytes holding the frame
     * @param offset where the frame (the payload of a {@code VP8 } chunk) starts
     * @param length the frame's size in bytes
     * @throws Vp8Exception when the data is not a decodable VP8 key frame
     */
    static Vp8Planes decode(byte[] data, int offset, int length) {
        Vp8FrameHeader h = Vp8FrameHeader.parse(data, offset, length);
        int cols = h.mbCols();
        Vp8Predictor predictor = new Vp8Predictor(h);
        byte[] filterInfo = new byte[cols * h.mbRows()]; // [mbRows, mbCols]
        Vp8Macroblock[] row = new Vp8Macroblock[cols]; // [mbCols]
        for (int i = 0; i < cols; i++) {
            row[i] = new Vp8Macroblock();
        }
        int[] topModes = new int[4 * cols]; // [mbCols * 4] sub-block modes along the bottom of the row above
        int[][] topNz = new int[cols][9]; // [mbCols, 9] non-zero flags: 0-3 Y, 4-5 U, 6-7 V, 8 Y2
        int[] leftNz = new int[9];
        for (int my = 0; my < h.mbRows(); my++) {
            parseModes(h, row, topModes);
            Vp8BoolDecoder tokens = h.tokenPartition(my);
            Arrays.fill(leftNz, 0);
            for (int mx = 0; mx < cols; mx++) {
                Vp8Macroblock mb = row[mx];
                parseTokens(h, tokens, mb, topNz[mx], leftNz);
                if (tokens.eof()) {
                    throw new Vp8Exception("premature end of a token partition");
                }
                predictor.reconstruct(mb, mx, my);
                filterInfo[my * cols + mx] = Vp8LoopFilter.info(mb.segment, mb.yMode == B_PRED, mb.nonZero);
            }
        }
        Vp8Planes planes = predictor.planes();
        Vp8LoopFilter.apply(h, filterInfo, planes);
        return planes;
    }

    /** libwebp {@code ParseIntraModeRow}: segment, skip flag and modes of one macroblock row. */
    private static void parseModes(Vp8FrameHeader h, Vp8Macroblock[] row, int[] top) {
        Vp8BoolDecoder br = h.firstPartition();
        int[] left = {B_DC_PRED, B_DC_PRED, B_DC_PRED, B_DC_PRED};
        for (int mx = 0; mx < row.length; mx++) {
            Vp8Macroblock mb = row[mx];
            mb.segment = 0;
            if (h.updateSegmentMap()) {
                int[] sp = h.segmentProbs();
                mb.segment = br.readBool(sp[0]) == 0 ? br.readBool(sp[1]) : 2 + br.readBool(sp[2]);
            }
            mb.skip = h.skipProb() >= 0 && br.readBool(h.skipProb()) == 1;
            if (br.readBool(145) == 0) {
                mb.yMode = B_PRED;
                for (int y = 0; y < 4; y++) {
                    int l = left[y];
                    for (int x = 0; x < 4; x++) {
                        int m = br.readTree(Vp8Tables.BMODE_TREE, Vp8Tables.BMODE_PROBS[top[4 * mx + x]][l]);
                        mb.subModes[4 * y + x] = m;
                        top[4 * mx + x] = m;
                        l = m;
                    }
                    left[y] = l;
                }
            } else {
                mb.yMode = br.readBool(156) == 1
                        ? (br.readBool(128) == 1 ? TM_PRED : H_PRED)
                        : (br.readBool(163) == 1 ? V_PRED : DC_PRED);
                int ctx = CONTEXT_OF_16X16[mb.yMode];
                Arrays.fill(top, 4 * mx, 4 * mx + 4, ctx);
                Arrays.fill(left, ctx);
            }
            mb.uvMode = br.readBool(142) == 0 ? DC_PRED
                    : br.readBool(114) == 0 ? V_PRED
                    : br.readBool(183) == 1 ? TM_PRED : H_PRED;
        }
        if (br.eof()) {
            throw new Vp8Exception("premature end of the first partition");
        }
    }

    /** The coefficients of one macroblock, or the contexts a skipped one leaves. */
    private static void parseTokens(Vp8FrameHeader h, Vp8BoolDecoder br, Vp8Macroblock mb, int[] tnz, int[] lnz) {
        Arrays.fill(mb.coeffs, (short) 0);
        mb.nonZero = false;
        if (!mb.skip) {
            mb.nonZero = parseResiduals(h, br, mb, tnz, lnz);
            return;
        }
        for (int i = 0; i < 8; i++) {
            tnz[i] = 0;
            lnz[i] = 0;
        }
        if (mb.yMode != B_PRED) {
            tnz[8] = 0;
            lnz[8] = 0;
        }
    }

    /** libwebp {@code ParseResiduals}; returns whether any coefficient is non-zero. */
    private static boolean parseResiduals(Vp8FrameHeader h, Vp8BoolDecoder br, Vp8Macroblock mb, int[] tnz, int[] lnz) {
        int[][][][] probs = h.coeffProbs(); // [4 types, 8 bands, 3, 11]
        int[] q = h.quant(mb.segment); // y1dc, y1ac, y2dc, y2ac, uvdc, uvac
        short[] c = mb.coeffs;
        boolean nonZero = false;
        int first;
        int[][][] acProbs;
        if (mb.yMode != B_PRED) {
            short[] dc = new short[16]; // [4, 4] Y2 block
            int ctx = tnz[8] + lnz[8];
            int nz = coefficients(br, probs[1], ctx, q[2], q[3], 0, dc, 0);
            tnz[8] = lnz[8] = nz > 0 ? 1 : 0;
            inverseWht(dc, c);
            first = 1;
            acProbs = probs[0];
        } else {
            first = 0;
            acProbs = probs[3];
        }
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int at = 16 * (4 * y + x);
                int ctx = tnz[x] + lnz[y];
                int nz = coefficients(br, acProbs, ctx, q[0], q[1], first, c, at);
                int flag = nz > first ? 1 : 0;
                tnz[x] = flag;
                lnz[y] = flag;
                nonZero |= nz > 1 || c[at] != 0;
            }
        }
        for (int ch = 0; ch < 2; ch++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 2; x++) {
                    int at = 16 * (16 + 4 * ch + 2 * y + x);
                    int ctx = tnz[4 + 2 * ch + x] + lnz[4 + 2 * ch + y];
                    int nz = coefficients(br, probs[2], ctx, q[4], q[5], 0, c, at);
                    int flag = nz > 0 ? 1 : 0;
                    tnz[4 + 2 * ch + x] = flag;
                    lnz[4 + 2 * ch + y] = flag;
                    nonZero |= nz > 1 || c[at] != 0;
                }
            }
        }
        return nonZero;
    }

    /**
     * libwebp {@code GetCoeffs}: the tokens of one block from position {@code n}, dequantised into
     * {@code out[at + raster position]}; returns the position after the last token read.
     */
    private static int coefficients(Vp8BoolDecoder br, int[][][] bandProbs, int ctx, int dcq, int acq, int n,
                                    short[] out, int at) {
        int[] p = bandProbs[Vp8Tables.BANDS[n]][ctx];
        for (; n < 16; n++) {
            if (br.readBool(p[0]) == 0) {
                return n; // end of block
            }
            while (br.readBool(p[1]) == 0) { // a zero
                n++;
                if (n == 16) {
                    return 16;
                }
                p = bandProbs[Vp8Tables.BANDS[n]][0];
            }
            int v;
            int[][] next = bandProbs[Vp8Tables.BANDS[n + 1]];
            if (br.readBool(p[2]) == 0) {
                v = 1;
                p = next[1];
            } else {
                v = largeValue(br, p);
                p = next[2];
            }
            int signed = br.readBit() == 1 ? -v : v;
            out[at + Vp8Tables.ZIGZAG[n]] = (short) (signed * (n > 0 ? acq : dcq));
        }
        return 16;
    }

    /** libwebp {@code GetLargeValue}: a token value of 2 or more. */
    private static int largeValue(Vp8BoolDecoder br, int[] p) {
        if (br.readBool(p[3]) == 0) {
            return br.readBool(p[4]) == 0 ? 2 : 3 + br.readBool(p[5]);
        }
        if (br.readBool(p[6]) == 0) {
            if (br.readBool(p[7]) == 0) {
                return 5 + br.readBool(159); // category 1
            }
            int v = 7 + 2 * br.readBool(165); // category 2
            return v + br.readBool(145);
        }
        int bit1 = br.readBool(p[8]);
        int bit0 = br.readBool(p[9 + bit1]);
        int cat = 2 * bit1 + bit0;
        int v = 0;
        for (int prob : Vp8Tables.CAT3456[cat]) {
            v += v + br.readBool(prob);
        }
        return v + 3 + (8 << cat);
    }

    /** libwebp {@code TransformWHT}: the Y2 block into the DC of the 16 luma blocks. */
    static void inverseWht(short[] in, short[] out) {
        int[] tmp = new int[16]; // [4, 4]
        for (int i = 0; i < 4; i++) {
            int a0 = in[i] + in[12 + i];
            int a1 = in[4 + i] + in[8 + i];
            int a2 = in[4 + i] - in[8 + i];
            int a3 = in[i] - in[12 + i];
            tmp[i] = a0 + a1;
            tmp[8 + i] = a0 - a1;
            tmp[4 + i] = a3 + a2;
            tmp[12 + i] = a3 - a2;
        }
        for (int i = 0; i < 4; i++) {
            int dc = tmp[4 * i] + 3;
            int a0 = dc + tmp[3 + 4 * i];
            int a1 = tmp[1 + 4 * i] + tmp[2 + 4 * i];
            int a2 = tmp[1 + 4 * i] - tmp[2 + 4 * i];
            int a3 = dc - tmp[3 + 4 * i];
            int block = 64 * i;
            out[block] = (short) ((a0 + a1) >> 3);
            out[block + 16] = (short) ((a3 + a2) >> 3);
            out[block + 32] = (short) ((a0 - a1) >> 3);
            out[block + 48] = (short) ((a3 - a2) >> 3);
        }
    }
}
