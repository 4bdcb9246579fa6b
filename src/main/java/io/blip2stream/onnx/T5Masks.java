package io.blip2stream.onnx;

/**
 * The masks of a T5 decoding loop: the encoder mask ({@code encoder_attention_mask}, [rows, E],
 * the processor's right padding) and, where the decoder graph takes one, the decoder's own
 * self-attention mask ({@code decoder_attention_mask}, [rows, P], ones but for the left padding of
 * rows that joined later). T5's relative position bias depends only on key column minus query
 * position, which padding a row on the left leaves unchanged, so a padded row decodes as alone.
 */
final class T5Masks {
    private long[] encoder;   // [rows, E]
    private int encLength;
    private long[] self;      // [rows, P]; null when the graph takes no decoder mask
    private int selfLength;
    private int rows;

    /**
     * After decoder_init: the prompts' encoder mask, one decoder position per row.
     *
     * @param encoderMask long[rows * E]  // [rows, E]
     */
    T5Masks(long[] encoderMask, int rows, boolean selfMask) {
        this.rows = rows;
        this.encoder = encoderMask.clone();
        this.encLength = rows == 0 ? 0 : encoderMask.length / rows;
        this.selfLength = 1;
        this.self = selfMask ? MaskRows.ones(rows, 1) : null;
    }

    /** long[rows * E]  // [rows, E] */
    long[] encoder() {
        return encoder;
    }

    /**
     * One more decoder position per row.
     *
     * @return the decoder mask to feed, long[rows * (P + 1)], or null when the graph takes none
     */
    long[] grow() {
        selfLength++;
        if (self == null) {
            return null;
        }
        self = MaskRows.growOnes(self, rows, selfLength - 1);
        return self;
    }

    /** New row {@code i} is old row {@code source[i]}. */
    void gather(int[] source) {
        encoder = CachedStep.gatherRows(encoder, encLength, source);
        if (self != null) {
            self = CachedStep.gatherRows(self, selfLength, source);
        }
        rows = source.length;
    }

    /**
     * The pads of joining {@code other}'s rows after these: self K/V left-padded to the longer
     * decoder length, cross K/V right-padded to the longer encoder length.
     *
     * @return {selfPad, otherSelfPad, encoderPad, otherEncoderPad}
     */
    int[] padsToJoin(T5Masks other) {
        int p = Math.max(selfLength, other.selfLength);
        int e = Math.max(encLength, other.encLength);
        return new int[]{p - selfLength, p - other.selfLength, e - encLength, e - other.encLength};
    }

    /** Appends {@code other}'s rows with {@link #padsToJoin}. */
    void append(T5Masks other) {
        if (self == null || other.self == null) {
            throw new IllegalStateException("rows join a T5 decoder only through its decoder_attention_mask");
        }
        int[] pads = padsToJoin(other);
        encoder = MaskRows.appendRows(encoder, rows, encLength, pads[2], other.encoder, other.rows, other.encLength,
                pads[3], false);
        self = MaskRows.appendRows(self, rows, selfLength, pads[0], other.self, other.rows, other.selfLength, pads[1],
                true);
        encLength += pads[2];
        selfLength += pads[0];
        rows += other.rows;
    }

    /** Leading decoder positions every row pads. */
    int commonSelfPadding() {
        return self == null ? 0 : MaskRows.commonLeading(self, rows, selfLength);
    }

    /** Trailing encoder positions every row pads. */
    int commonEncoderPadding() {
        return MaskRows.commonTrailing(encoder, rows, encLength);
    }

    void dropSelfLeading(int count) {
        self = MaskRows.columns(self, rows, selfLength, count, selfLength);
        selfLength -= count;
    }

    void dropEncoderTrailing(int count) {
        encoder = MaskRows.columns(encoder, rows, encLength, 0, encLength - count);
        encLength -= count;
    }

    int selfLength() {
        return selfLength;
    }

    int encoderLength() {
        return encLength;
    }
}
