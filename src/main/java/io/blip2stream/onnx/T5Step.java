package io.blip2stream.onnx;

import ai.onnxruntime.OrtSession;
import io.blip2stream.pipeline.generate.LanguageModelStep;

/**
 * T5 decoding with the KV cache kept in native tensors: the encoder runs once, the cross-attention
 * K/V from {@code decoder_init} stay for the whole generation, the self-attention K/V of each step
 * feed the next without a copy. Right padding; the encoder mask is the processor's mask.
 */
final class T5Step implements LanguageModelStep {
    private final T5LanguageModel lm;
    private final LmBatch batch;
    private int rows;
    private long[] mask;     // [rows, E]
    private KvState self;    // each [rows, H, P, d]
    private KvState cross;   // each [rows, H, E, d]

    T5Step(T5LanguageModel lm, LmBatch batch) {
        this.lm = lm;
        this.batch = batch;
        this.rows = batch.rows();
        this.mask = batch.attentionMask().clone();
    }

    @Override
    public int vocabSize() {
        return lm.vocabSize();
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public float[] prefill() {
        if (cross != null) {
            throw new IllegalStateException("prefill() was already called");
        }
        T5LanguageModel.Init init = lm.encodeAndStart(batch.queryEmbeds(), batch.textIds(), batch.textMask(),
                mask, rows, batch.numQuery(), batch.textLength());
        self = init.self();
        cross = init.cross();
        return init.logits();
    }

    @Override
    public float[] step(long[] tokens) {
        if (cross == null) {
            throw new IllegalStateException("step() before prefill()");
        }
        if (tokens.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " tokens, got " + tokens.length);
        }
        OrtSession.Result r = lm.step(tokens, mask, self, cross, rows);
        try {
            float[] logits = Tensors.readFloats(Tensors.output(r, T5LanguageModel.LOGITS), null); // [rows, V]
            KvState next = lm.presentSelf(r);
            self.close();
            self = next;
            return logits;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    @Override
    public void reorder(int[] source) {
        if (cross == null) {
            throw new IllegalStateException("reorder() before prefill()");
        }
        if (OptStep.isIdentity(source, rows)) {
            return;
        }
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
        int e = mask.length / rows;
        long[] m = new long[source.length * e];   // [rows', E]
        for (int i = 0; i < source.length; i++) {
            System.arraycopy(mask, source[i] * e, m, i * e, e);
        }
        mask = m;
        rows = source.length;
    }

    @Override
    public void close() {
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
