package io.blip2stream.onnx;

/**
 * T5 decoding with the KV cache kept in native tensors: the encoder runs once per prompt, the
 * cross-attention K/V from {@code decoder_init} stay for the whole generation, the self-attention
 * K/V of each step feed the next without a copy. Right padding; the encoder mask is the
 * processor's mask. Newcomers join (where the decoder takes a self-attention mask: {@link T5Masks})
 * with their self K/V left-padded and the cross K/V of the shorter side right-padded
 * ({@link KvOps#join}); columns every row pads are dropped after rows leave ({@link KvOps#slice}).
 */
final class T5Step extends HostCachedStep<T5LanguageModel> {
    private T5Masks masks;
    private KvState self;    // each [rows, H, P, d]
    private KvState cross;   // each [rows, H, E, d]

    T5Step(T5LanguageModel lm, LmBatch batch) {
        super(lm, batch);
    }

    @Override
    protected boolean prefilled() {
        return cross != null;
    }

    @Override
    protected float[] start() {
        T5LanguageModel.Init init = encode(batch);
        masks = new T5Masks(batch.attentionMask(), rows(), lm.takesDecoderMask());
        self = init.self();
        cross = init.cross();
        return init.logits();
    }

    private T5LanguageModel.Init encode(LmBatch b) {
        return lm.encodeAndStart(b.queryEmbeds(), b.textIds(), b.textMask(), b.attentionMask(), b.rows(),
                b.numQuery(), b.textLength());
    }

    @Override
    protected float[] advance(long[] tokens) {
        return take(lm.step(tokens, masks.encoder(), masks.grow(), self, cross, rows(), pinned(rows())));
    }

    @Override
    protected void replacePast(KvState next) {
        self.close();
        self = next;
    }

    @Override
    public boolean canJoin() {
        return lm.takesDecoderMask();
    }

    @Override
    protected float[] admit(LmBatch newcomers) {
        T5LanguageModel.Init init = encode(newcomers);
        T5Masks theirs = new T5Masks(newcomers.attentionMask(), newcomers.rows(), lm.takesDecoderMask());
        if (cross == null) {
            masks = theirs;
            self = init.self();
            cross = init.cross();
            return init.logits();
        }
        KvState s = null;
        KvState c;
        try {
            int[] pads = masks.padsToJoin(theirs);
            s = lm.kvOps().join(self, init.self(), KvOps.lengthPads(pads[0], 0), KvOps.lengthPads(pads[1], 0));
            c = lm.kvOps().join(cross, init.cross(), KvOps.lengthPads(0, pads[2]), KvOps.lengthPads(0, pads[3]));
        } catch (RuntimeException e) {
            if (s != null) {
                s.close();
            }
            throw e;
        } finally {
            init.self().close();   // a view of decoder_init's result: close before its owner
            init.cross().close();
        }
        replaceAll(s, c);
        masks.append(theirs);
        return init.logits();
    }

    @Override
    protected void gather(int[] source) {
        KvState s = lm.kvOps().gather(self, source);
        KvState c;
        try {
            c = lm.kvOps().gather(cross, source);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        replaceAll(s, c);
        masks.gather(source);
        compact();
    }

    /** Drops the decoder positions and encoder positions that every row pads, when it pays. */
    private void compact() {
        int lead = masks.commonSelfPadding();
        if (worthCompacting(lead, masks.selfLength())) {
            KvState s = lm.kvOps().slice(self, lead, masks.selfLength());
            self.close();
            self = s;
            masks.dropSelfLeading(lead);
        }
        int trail = masks.commonEncoderPadding();
        if (worthCompacting(trail, masks.encoderLength())) {
            KvState c = lm.kvOps().slice(cross, 0, masks.encoderLength() - trail);
            cross.close();
            cross = c;
            masks.dropEncoderTrailing(trail);
        }
    }

    /** New self and cross K/V; the old ones are closed (self first: until the first step it is a view of the cross's owner). */
    private void replaceAll(KvState s, KvState c) {
        self.close();
        cross.close();
        self = s;
        cross = c;
    }

    @Override
    protected void clear() {
        close();
        masks = null;
    }

    @Override
    public void close() {
        closeLogits();
        if (self != null) {
            self.close();
        }
        if (cross != null) {
            cross.close();
        }
        self = null;
        cross = null;
    }
}
