package io.blip2stream.onnx;

import ai.onnxruntime.OrtSession;

/**
 * The naive T5 reference: every call re-encodes the prompt and replays the decoder from the start
 * token over the tokens so far, with no state kept between calls and no cache reordering.
 */
final class T5ReferenceStep extends ReferenceStep<T5LanguageModel> {

    T5ReferenceStep(T5LanguageModel lm, LmBatch batch) {
        super(lm, batch);
    }

    @Override
    protected float[] recompute() {
        int rows = rows();
        int q = batch.numQuery();
        int s = batch.textLength();
        int t = batch.length();
        int d = lm.hidden();
        long[] srcText = batch.textIds();
        long[] srcMask = batch.textMask();
        float[] query = new float[rows * q * d];   // [rows, Q, D]
        long[] text = new long[rows * s];          // [rows, S]
        long[] textMask = new long[rows * s];      // [rows, S]
        long[] full = new long[rows * t];          // [rows, E]
        for (int i = 0; i < rows; i++) {
            int o = origin(i);
            System.arraycopy(batch.queryEmbeds(), o * q * d, query, i * q * d, q * d);
            System.arraycopy(srcText, o * s, text, i * s, s);
            System.arraycopy(srcMask, o * s, textMask, i * s, s);
            System.arraycopy(batch.attentionMask(), o * t, full, i * t, t);
        }
        T5LanguageModel.Init init = lm.encodeAndStart(query, text, textMask, full, rows, q, s);
        float[] logits = init.logits();
        KvState self = init.self();
        try {
            int steps = steps();
            for (int k = 0; k < steps; k++) {
                long[] tok = new long[rows];
                for (int i = 0; i < rows; i++) {
                    tok[i] = generated(i)[k];
                }
                long[] selfMask = lm.takesDecoderMask() ? MaskRows.ones(rows, k + 2) : null;   // [rows, P + 1]
                OrtSession.Result r = lm.step(tok, full, selfMask, self, init.cross(), rows, java.util.Map.of());
                logits = T5LanguageModel.logits(r);
                KvState next = lm.present(r);
                self.close();
                self = next;
            }
            return logits;
        } finally {
            self.close();
            init.cross().close();
        }
    }
}
