package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;

/**
 * OPT decoding with the KV cache kept in native tensors between steps: a step's {@code present}
 * outputs are fed as the next step's {@code past} without a copy. Left padding: position ids are
 * cumsum(mask) - 1 with pads 0, then +1 per step; the attention mask grows by one column per step.
 */
final class OptStep extends CachedStep<OptLanguageModel> {
    private int maskLen;
    private long[] mask;        // [rows, maskLen]
    private long[] lastPos;     // [rows]
    private KvState kv;         // each [rows, H, maskLen, d] after a run

    OptStep(OptLanguageModel lm, LmBatch batch) {
        super(lm, batch);
    }

    @Override
    protected boolean prefilled() {
        return kv != null;
    }

    @Override
    protected float[] start() {
        int rows = rows();
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
            OrtSession.Result r = lm.decode(e, mask, pos, empty, rows, pinned(rows));
            return take(r);
        }
    }

    @Override
    protected float[] advance(long[] tokens) {
        int rows = rows();
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
            OrtSession.Result r = lm.decode(e, mask, pos, kv, rows, pinned(rows));
            return take(r);
        }
    }

    @Override
    protected void replacePast(KvState next) {
        if (kv != null) {
            kv.close();
        }
        kv = next;
    }

    @Override
    protected void gather(int[] source) {
        KvState gathered = kv.gather(source);
        kv.close();
        kv = gathered;
        mask = gatherRows(mask, maskLen, source);        // [rows', maskLen]
        long[] p = new long[source.length];              // [rows']
        for (int i = 0; i < source.length; i++) {
            p[i] = lastPos[source[i]];
        }
        lastPos = p;
    }

    @Override
    public void close() {
        closeLogits();
        if (kv != null) {
            kv.close();
            kv = null;
        }
    }
}
