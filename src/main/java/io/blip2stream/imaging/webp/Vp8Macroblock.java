package io.blip2stream.imaging.webp;

/**
 * One macroblock's modes and coefficients as {@link Vp8Decoder} parses them and
 * {@link Vp8Predictor} reconstructs them; reused along a row. The mode constants are the coded
 * values (RFC 6386).
 */
final class Vp8Macroblock {

    /** 16x16 luma modes (and chroma modes) as coded. */
    static final int DC_PRED = 0;
    static final int V_PRED = 1;
    static final int H_PRED = 2;
    static final int TM_PRED = 3;
    /** The macroblock is predicted per 4x4 sub-block. */
    static final int B_PRED = 4;

    /** Sub-block modes (RFC 6386 order). */
    static final int B_DC_PRED = 0;
    static final int B_TM_PRED = 1;
    static final int B_VE_PRED = 2;
    static final int B_HE_PRED = 3;
    static final int B_LD_PRED = 4;
    static final int B_RD_PRED = 5;
    static final int B_VR_PRED = 6;
    static final int B_VL_PRED = 7;
    static final int B_HD_PRED = 8;
    static final int B_HU_PRED = 9;

    int segment;
    boolean skip;
    int yMode;
    final int[] subModes = new int[16]; // [4 rows, 4 cols] when yMode == B_PRED
    int uvMode;
    /** Dequantised coefficients: 16 Y, 4 U, 4 V blocks in raster order. */
    final short[] coeffs = new short[384]; // [24 blocks, 16]
    /** Whether any coefficient is non-zero (libwebp's {@code !skip} for the inner filter). */
    boolean nonZero;
}
