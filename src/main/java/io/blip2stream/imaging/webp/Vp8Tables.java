package io.blip2stream.imaging.webp;

import java.lang.reflect.Field;
import java.util.List;

/**
 * The constant tables of the VP8 key-frame format (RFC 6386). The large ones (default and update
 * probabilities of the DCT tokens, the key-frame sub-block mode probabilities, the quantizer
 * steps) are read once from the TwelveMonkeys VP8 decoder on the class path
 * ({@code com.twelvemonkeys.imageio.plugins.webp.vp8.Globals}), which carries them verbatim from
 * the specification; {@code Vp8TablesTest} pins their checksums.
 */
final class Vp8Tables {

    /** The class holding the tables (registered for reflection in {@code native/reflect-config.json}). */
    static final String GLOBALS = "com.twelvemonkeys.imageio.plugins.webp.vp8.Globals";
    /** The static fields read from it. */
    static final List<String> FIELDS = List.of("vp8DefaultCoefProbs", "vp8CoefUpdateProbs",
            "vp8KeyFrameSubBlockModeProb", "vp8SubBlockModeTree", "vp8DcQLookup", "vp8AcQLookup");

    /** Default token probabilities. */
    static final int[][][][] COEFF_PROBS; // [4 types, 8 bands, 3 contexts, 11]
    /** Probabilities that a token probability is updated in the frame header. */
    static final int[][][][] COEFF_UPDATE_PROBS; // [4, 8, 3, 11]
    /** Key-frame sub-block mode probabilities by the modes above and to the left. */
    static final int[][][] BMODE_PROBS; // [10 above, 10 left, 9]
    /** The sub-block mode tree in RFC 6386 form (leaves are negated modes). */
    static final int[] BMODE_TREE; // [18]
    /** DC quantizer step by index. */
    static final int[] DC_Q; // [128]
    /** AC quantizer step by index. */
    static final int[] AC_Q; // [128]

    /** Coefficient position to probability band, plus a sentinel for position 16. */
    static final int[] BANDS = {0, 1, 2, 3, 6, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 0};
    /** Decoding order to raster position in a 4x4 block. */
    static final int[] ZIGZAG = {0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15};
    /** Extra-bit probabilities of the token categories 3 to 6. */
    static final int[][] CAT3456 = {
        {173, 148, 140},
        {176, 155, 140, 135},
        {180, 157, 141, 134, 130},
        {254, 254, 243, 230, 196, 177, 153, 140, 133, 130, 129},
    };

    static {
        try {
            Class<?> globals = Class.forName(GLOBALS, true, Vp8Tables.class.getClassLoader());
            COEFF_PROBS = copy4(field(globals, "vp8DefaultCoefProbs"), 4, 8, 3, 11);
            COEFF_UPDATE_PROBS = copy4(field(globals, "vp8CoefUpdateProbs"), 4, 8, 3, 11);
            BMODE_PROBS = copy3((int[][][]) field(globals, "vp8KeyFrameSubBlockModeProb"), 10, 10, 9);
            BMODE_TREE = copy1((int[]) field(globals, "vp8SubBlockModeTree"), 18);
            DC_Q = copy1((int[]) field(globals, "vp8DcQLookup"), 128);
            AC_Q = copy1((int[]) field(globals, "vp8AcQLookup"), 128);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "the VP8 tables of " + GLOBALS + " (TwelveMonkeys imageio-webp) cannot be read", e));
        }
    }

    private Vp8Tables() {
    }

    private static Object field(Class<?> owner, String name) throws ReflectiveOperationException {
        Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(null);
    }

    private static int[] copy1(int[] src, int n) {
        if (src.length != n) {
            throw new IllegalStateException("a VP8 table of " + src.length + " entries, expected " + n);
        }
        return src.clone();
    }

    private static int[][][] copy3(int[][][] src, int a, int b, int c) {
        if (src.length != a) {
            throw new IllegalStateException("a VP8 table of " + src.length + " entries, expected " + a);
        }
        int[][][] out = new int[a][b][];
        for (int i = 0; i < a; i++) {
            if (src[i].length != b) {
                throw new IllegalStateException("a VP8 table row of " + src[i].length + " entries, expected " + b);
            }
            for (int j = 0; j < b; j++) {
                out[i][j] = copy1(src[i][j], c);
            }
        }
        return out;
    }

    private static int[][][][] copy4(Object src, int a, int b, int c, int d) {
        int[][][][] in = (int[][][][]) src;
        if (in.length != a) {
            throw new IllegalStateException("a VP8 table of " + in.length + " entries, expected " + a);
        }
        int[][][][] out = new int[a][][][];
        for (int i = 0; i < a; i++) {
            out[i] = copy3(in[i], b, c, d);
        }
        return out;
    }
}
