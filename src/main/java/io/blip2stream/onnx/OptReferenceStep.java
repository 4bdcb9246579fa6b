package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;

/**
 * The naive OPT reference: every call recomputes the whole sequence (prompt + tokens so far)
 * with an empty past. Slow on purpose; tests compare the cached {@link OptStep} against it.
 */
final class OptReferenceStep extends ReferenceStep<OptLanguageModel> {

    OptReferenceStep(OptLanguageModel lm, LmBatch batch) {
        super(lm, batch);
    }

    @Override
    protected float[] recompute() {
        int rows = rows();
        int q = batch.numQuery();
        int s0 = batch.textLength();
        int g = steps();
        int s = s0 + g;
        int t = q + s;
        long[] srcText = batch.textIds();           // [B, S0]
        long[] text = new long[rows * s];           // [rows, S]
        long[] mask = new long[rows * t];           // [rows, T]
        float[] query = new float[rows * q * lm.hidden()]; // [rows, Q, D]
        for (int i = 0; i < rows; i++) {
            int o = origin(i);
            System.arraycopy(srcText, o * s0, text, i * s, s0);
            System.arraycopy(generated(i), 0, text, i * s + s0, g);
            System.arraycopy(batch.attentionMask(), o * batch.length(), mask, i * t, batch.length());
            for (int j = batch.length(); j < t; j++) {
                mask[i * t + j] = 1;
            }
            System.arraycopy(batch.queryEmbeds(), o * q * lm.hidden(), query, i * q * lm.hidden(), q * lm.hidden());
        }
        LmBatch full = new LmBatch(rows, t, new long[rows * t], mask, query, q);
        float[] embeds = lm.promptEmbeds(full, text, s);                  // [rows, T, D]
        long[] pos = OptLanguageModel.positionIds(mask, rows, t);        // [rows, T]
        try (KvState empty = lm.emptyPast(rows);
             OnnxTensor e = Tensors.floats(lm.env(), embeds, rows, t, lm.hidden());
             OrtSession.Result r = lm.decode(e, mask, pos, empty, rows, java.util.Map.of())) {
            return OptLanguageModel.logits(r);            // [rows, V]
        }
    }
}
