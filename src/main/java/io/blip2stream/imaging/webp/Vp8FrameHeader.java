package io.blip2stream.imaging.webp;

/**
 * The header of a VP8 key frame and its partitions, parsed as libwebp's {@code VP8GetHeaders}
 * does: frame tag, size, segment and filter headers, token partitions, quantizers, token
 * probabilities and the skip probability. The first partition's reader is left positioned at the
 * per-macroblock modes.
 */
final class Vp8FrameHeader {

    static final int SEGMENTS = 4;

    private int width;
    private int height;
    private int mbCols;
    private int mbRows;
    private Vp8BoolDecoder first;
    private Vp8BoolDecoder[] partitions;

    private boolean useSegment;
    private boolean updateMap;
    private boolean absoluteDelta = true;
    private final int[] segmentQuantizer = new int[SEGMENTS];
    private final int[] segmentFilterStrength = new int[SEGMENTS];
    private final int[] segmentProbs = {255, 255, 255};

    private boolean simpleFilter;
    private int filterLevel;
    private int sharpness;
    private boolean useLfDelta;
    private final int[] refLfDelta = new int[4];
    private final int[] modeLfDelta = new int[4];

    private final int[][] quant = new int[SEGMENTS][]; // [4 segments, 6]: y1dc y1ac y2dc y2ac uvdc uvac
    private final int[][][][] coeffProbs = new int[4][8][3][11]; // [type, band, context, 11]
    private int skipProb = -1;

    private Vp8FrameHeader() {
    }

    static Vp8FrameHeader parse(byte[] data, int offset, int length) {
        Vp8FrameHeader h = new Vp8FrameHeader();
        h.read(data, offset, length);
        return h;
    }

    private void read(byte[] b, int off, int size) {
        if (size < 10) {
            throw new Vp8Exception("truncated VP8 header (" + size + " bytes)");
        }
        int bits = (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16;
        boolean keyFrame = (bits & 1) == 0;
        int profile = (bits >> 1) & 7;
        boolean show = ((bits >> 4) & 1) == 1;
        int partitionLength = bits >>> 5;
        if (!keyFrame) {
            throw new Vp8Exception("not a key frame");
        }
        if (profile > 3) {
            throw new Vp8Exception("incorrect keyframe parameters (profile " + profile + ")");
        }
        if (!show) {
            throw new Vp8Exception("frame not displayable");
        }
        if ((b[off + 3] & 0xFF) != 0x9D || (b[off + 4] & 0xFF) != 0x01 || (b[off + 5] & 0xFF) != 0x2A) {
            throw new Vp8Exception("bad VP8 start code");
        }
        width = ((b[off + 7] & 0xFF) << 8 | (b[off + 6] & 0xFF)) & 0x3FFF;
        height = ((b[off + 9] & 0xFF) << 8 | (b[off + 8] & 0xFF)) & 0x3FFF;
        if (width == 0 || height == 0) {
            throw new Vp8Exception("a VP8 frame of " + width + "x" + height);
        }
        mbCols = (width + 15) >> 4;
        mbRows = (height + 15) >> 4;
        int pos = off + 10;
        int left = size - 10;
        if (partitionLength > left) {
            throw new Vp8Exception("bad partition length " + partitionLength + " (" + left + " bytes left)");
        }
        first = new Vp8BoolDecoder(b, pos, partitionLength);
        pos += partitionLength;
        left -= partitionLength;
        first.readBit(); // colour space
        first.readBit(); // clamping type
        readSegmentHeader();
        if (first.eof()) {
            throw new Vp8Exception("cannot parse segment header");
        }
        readFilterHeader();
        if (first.eof()) {
            throw new Vp8Exception("cannot parse filter header");
        }
        readPartitions(b, pos, left);
        readQuantizers();
        first.readBit(); // refresh entropy probabilities: irrelevant for a single key frame
        for (int t = 0; t < 4; t++) {
            for (int band = 0; band < 8; band++) {
                for (int c = 0; c < 3; c++) {
                    for (int p = 0; p < 11; p++) {
                        coeffProbs[t][band][c][p] = first.readBool(Vp8Tables.COEFF_UPDATE_PROBS[t][band][c][p]) == 1
                                ? first.readLiteral(8) : Vp8Tables.COEFF_PROBS[t][band][c][p];
                    }
                }
            }
        }
        if (first.readBit() == 1) {
            skipProb = first.readLiteral(8);
        }
    }

    private void readSegmentHeader() {
        useSegment = first.readBit() == 1;
        if (useSegment) {
            updateMap = first.readBit() == 1;
            if (first.readBit() == 1) { // update data
                absoluteDelta = first.readBit() == 1;
                for (int s = 0; s < SEGMENTS; s++) {
                    segmentQuantizer[s] = first.readOptionalSigned(7);
                }
                for (int s = 0; s < SEGMENTS; s++) {
                    segmentFilterStrength[s] = first.readOptionalSigned(6);
                }
            }
            if (updateMap) {
                for (int s = 0; s < 3; s++) {
                    segmentProbs[s] = first.readBit() == 1 ? first.readLiteral(8) : 255;
                }
            }
        }
    }

    private void readFilterHeader() {
        simpleFilter = first.readBit() == 1;
        filterLevel = first.readLiteral(6);
        sharpness = first.readLiteral(3);
        useLfDelta = first.readBit() == 1;
        if (useLfDelta && first.readBit() == 1) {
            for (int i = 0; i < 4; i++) {
                if (first.readBit() == 1) {
                    refLfDelta[i] = first.readSigned(6);
                }
            }
            for (int i = 0; i < 4; i++) {
                if (first.readBit() == 1) {
                    modeLfDelta[i] = first.readSigned(6);
                }
            }
        }
    }

    private void readPartitions(byte[] b, int start, int size) {
        int last = (1 << first.readLiteral(2)) - 1;
        if (size < 3 * last) {
            throw new Vp8Exception("cannot parse partitions");
        }
        int sizes = start;
        int partStart = start + 3 * last;
        int sizeLeft = size - 3 * last;
        partitions = new Vp8BoolDecoder[last + 1];
        for (int p = 0; p < last; p++) {
            int psize = (b[sizes] & 0xFF) | (b[sizes + 1] & 0xFF) << 8 | (b[sizes + 2] & 0xFF) << 16;
            psize = Math.min(psize, sizeLeft);
            partitions[p] = new Vp8BoolDecoder(b, partStart, psize);
            partStart += psize;
            sizeLeft -= psize;
            sizes += 3;
        }
        if (sizeLeft <= 0) {
            throw new Vp8Exception("cannot parse partitions (the last one is empty)");
        }
        partitions[last] = new Vp8BoolDecoder(b, partStart, sizeLeft);
    }

    private void readQuantizers() {
        int base = first.readLiteral(7);
        int y1dc = first.readOptionalSigned(4);
        int y2dc = first.readOptionalSigned(4);
        int y2ac = first.readOptionalSigned(4);
        int uvdc = first.readOptionalSigned(4);
        int uvac = first.readOptionalSigned(4);
        for (int s = 0; s < SEGMENTS; s++) {
            int q;
            if (useSegment) {
                q = segmentQuantizer[s] + (absoluteDelta ? 0 : base);
            } else if (s > 0) {
                quant[s] = quant[0];
                continue;
            } else {
                q = base;
            }
            int y2acStep = Vp8Tables.AC_Q[clip(q + y2ac, 127)] * 101581 >> 16;
            quant[s] = new int[] {
                Vp8Tables.DC_Q[clip(q + y1dc, 127)],
                Vp8Tables.AC_Q[clip(q, 127)],
                Vp8Tables.DC_Q[clip(q + y2dc, 127)] * 2,
                Math.max(y2acStep, 8),
                Vp8Tables.DC_Q[clip(q + uvdc, 117)],
                Vp8Tables.AC_Q[clip(q + uvac, 127)],
            };
        }
    }

    private static int clip(int v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    int mbCols() {
        return mbCols;
    }

    int mbRows() {
        return mbRows;
    }

    Vp8BoolDecoder firstPartition() {
        return first;
    }

    /** The token partition of macroblock row {@code mbRow}. */
    Vp8BoolDecoder tokenPartition(int mbRow) {
        return partitions[mbRow & (partitions.length - 1)];
    }

    boolean updateSegmentMap() {
        return updateMap;
    }

    int[] segmentProbs() {
        return segmentProbs;
    }

    /** The skip flag's probability, or -1 when macroblocks carry no skip flag. */
    int skipProb() {
        return skipProb;
    }

    /** Steps of a segment: y1 dc, y1 ac, y2 dc, y2 ac, uv dc, uv ac. */
    int[] quant(int segment) {
        return quant[segment];
    }

    int[][][][] coeffProbs() {
        return coeffProbs;
    }

    /** 0: no loop filter, 1: simple, 2: normal (decided by the frame's level alone). */
    int filterType() {
        return filterLevel == 0 ? 0 : simpleFilter ? 1 : 2;
    }

    int filterLevel() {
        return filterLevel;
    }

    int sharpness() {
        return sharpness;
    }

    boolean useSegment() {
        return useSegment;
    }

    boolean absoluteDelta() {
        return absoluteDelta;
    }

    int segmentFilterStrength(int segment) {
        return segmentFilterStrength[segment];
    }

    boolean useLfDelta() {
        return useLfDelta;
    }

    int refLfDelta(int i) {
        return refLfDelta[i];
    }

    int modeLfDelta(int i) {
        return modeLfDelta[i];
    }
}
