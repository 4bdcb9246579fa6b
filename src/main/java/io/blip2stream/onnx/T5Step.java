package io.blip2stream.onnx;

/**
 * T5 decoding with the KV cache kept in native tensors: the encoder runs once, the cross-attention
 * K/V from {@code decoder_init} stay for the whole generation, the self-attention K/V of each step
 * feed the next without a copy. Right padding; the encoder mask is the processor's mask.
 */
final class T5Step extends HostCachedStep<T5LanguageModel> {
    private long[] mask;     // [rows, E]
    private KvState self;    // each [rows, H, P, d]
    private KvState cross;   // each [rows, H, E, d]

    T5Step(T5LanguageModel lm, LmBatch batch) {
        super(lm, batch);
        this.mask = batch.attentionMask().clone();
    }

    @Override
    protected boolean prefilled() {
        return cross != null;
    }

    @Override
    protected float[] start() {
        T5LanguageModel.Init init = lm.encodeAndStart(batch.queryEmbeds(), batch.textIds(), batch.textMask(),
                mask, rows(), batch.numQuery(), batch.textLength());
        self = init.self();
        cross = init.cross();
        return init.logits();
    }

    @Override
    protected float[] advance(long[] tokens) {
        return take(lm.step(tokens, mask, self, cross, rows(), pinned(rows())));
    }

    @Override
    protected void replacePast(KvState next) {
        self.close();
        self = next;
    }

    @Override
    protected void gather(int[] source) {
        KvState s = self.gather(source);
        KvState c;
        try {
            c = cross.gather(source);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        self.close();    // a view of decoder_init's result until the first step: close before its owner
        cross.close();
        self = s;
        cross = c;
        mask = gatherRows(mask, mask.length / rows(), source);   // [rows', E]
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
