package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.blip2stream.pipeline.generate.LanguageModelStep;

/**
 * OPT decoding with the KV cache kept in native tensors between steps: a step's {@code present}
 * outputs are fed as the next step's {@code past} without a copy. Left padding: position ids are
 * cumsum(mask) - 1 with pads 0, then +1 per step; the attention mask grows by one column per step.
 */
final class OptStep implements LanguageModelStep {
    private final OptLanguageModel lm;
    private final LmBatch batch;
    private int rows;
    private int maskLen;
    private long[] mask;        // [rows, maskLen]
    private long[] lastPos;     // [rows]
    private KvState kv;         // each [rows, H, maskLen, d] after a run
    private float[] logits;     // [rows, V]

    OptStep(OptLanguageModel lm, LmBatch batch) {
        this.lm = lm;
        this.batch = batch;
        this.rows = batch.rows();
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
        if (kv != null) {
            throw new IllegalStateException("prefill() was already called");
        }
        int t = batch.length();
        int s = batch.textLength();
        float[] embeds = lm.promptEmbeds(batch, batch.textIds(), s);        // [B, T, D]
        mask = batch.attentionMask().clone();                                // [B, T]
        maskLen = t;
        long[] pos = OptLanguageModel.positionIds(mask, rows, t);           // [B, T]
        lastPos = new long[rows];
        for (int b = 0; b < rows; b++) {
            lastPos[b] = pos[b * t + t - 1];
        }
        try (KvState empty = lm.emptyPast(rows);
             OnnxTensor e = Tensors.floats(lm.env(), embeds, rows, t, lm.hidden())) {
            OrtSession.Result r = lm.decode(e, mask, pos, empty, rows);
            return take(r);
        }
    }

    @Override
    public float[] step(long[] tokens) {
        if (kv == null) {
            throw new IllegalStateException("step() before prefill()");
        }
        if (tokens.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " tokens, got " + tokens.length);
        }
        long[] grown = new long[rows * (maskLen + 1)];                       // [rows, maskLen + 1]
        long[] pos = new long[rows];                                          // [rows, 1]
        for (int b = 0; b < rows; b++) {
            System.arraycopy(mask, b * maskLen, grown, b * (maskLen + 1), maskLen);
            grown[b * (maskLen + 1) + maskLen] = 1;
            pos[b] = ++lastPos[b];
        }
        mask = grown;
        maskLen++;
        try (OrtSession.Result embedded = lm.embed(tokens, rows, 1)) {
            OnnxTensor e = Tensors.output(embedded, OptLanguageModel.INPUTS_EMBEDS); // [rows, 1, D]
            OrtSession.Result r = lm.decode(e, mask, pos, kv, rows);
            return take(r);
        }
    }

    private float[] take(OrtSession.Result r) {
        try {
            logits = Tensors.readFloats(Tensors.output(r, OptLanguageModel.LOGITS), null);  // [rows, V]
            KvState next = lm.present(r);
            if (kv != null) {
                kv.close();
            }
            kv = next;
            return logits;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    @Override
    public void reorder(int[] source) {
        if (kv == null) {
            throw new IllegalStateException("reorder() before prefill()");
        }
        if (isIdentity(source, rows)) {
            return;
        }
        KvState gathered = kv.gather(source);
        kv.close();
        kv = gathered;
        long[] m = new long[source.length * maskLen];    // [rows', maskLen]
        long[] p = new long[source.length];              // [rows']
        for (int i = 0; i < source.length; i++) {
            System.arraycopy(mask, source[i] * maskLen, m, i * maskLen, maskLen);
            p[i] = lastPos[source[i]];
        }
        mask = m;
        lastPos = p;
        rows = source.length;
    }

    static boolean isIdentity(int[] source, int rows) {
        if (source.length != rows) {
            return false;
        }
        for (int i = 0; i < rows; i++) {
            if (source[i] != i) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (kv != null) {
            kv.close();
            kv = null;
        }
    }
}
