package io.blip2stream.onnx;

import ai.onnxruntime.OrtSession;
import io.blip2stream.pipeline.generate.LanguageModelStep;

import java.util.Arrays;

/**
 * The naive T5 reference: every call re-encodes the prompt and replays the decoder from the start
 * token over the tokens so far, with no state kept between calls and no cache reordering.
 */
final class T5ReferenceStep implements LanguageModelStep {
    private final T5LanguageModel lm;
    private final LmBatch batch;
    private int[] origin;        // [rows]
    private long[][] generated;  // [rows][steps]

    T5ReferenceStep(T5LanguageModel lm, LmBatch batch) {
        this.lm = lm;
        this.batch = batch;
        this.origin = new int[batch.rows()];
        for (int i = 0; i < origin.length; i++) {
            origin[i] = i;
        }
        this.generated = new long[batch.rows()][0];
    }

    @Override
    public int vocabSize() {
        return lm.vocabSize();
    }

    @Override
    public int rows() {
        return origin.length;
    }

    @Override
    public float[] prefill() {
        return replay();
    }

    @Override
    public float[] step(long[] tokens) {
        for (int i = 0; i < origin.length; i++) {
            long[] g = Arrays.copyOf(generated[i], generated[i].length + 1);
            g[g.length - 1] = tokens[i];
            generated[i] = g;
        }
        return replay();
    }

    private float[] replay() {
        int rows = origin.length;
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
            int o = origin[i];
            System.arraycopy(batch.queryEmbeds(), o * q * d, query, i * q * d, q * d);
            System.arraycopy(srcText, o * s, text, i * s, s);
            System.arraycopy(srcMask, o * s, textMask, i * s, s);
            System.arraycopy(batch.attentionMask(), o * t, full, i * t, t);
        }
        T5LanguageModel.Init init = lm.encodeAndStart(query, text, textMask, full, rows, q, s);
        float[] logits = init.logits();
        KvState self = init.self();
        try {
            int steps = generated[0].length;
            for (int k = 0; k < steps; k++) {
                long[] tok = new long[rows];
                for (int i = 0; i < rows; i++) {
                    tok[i] = generated[i][k];
                }
                OrtSession.Result r = lm.step(tok, full, self, init.cross(), rows);
                logits = Tensors.readFloats(Tensors.output(r, T5LanguageModel.LOGITS), null);
                KvState next = lm.presentSelf(r);
                self.close();
                self = next;
            }
            return logits;
        } finally {
            self.close();
            init.cross().close();
        }
    }

    @Override
    public void reorder(int[] source) {
        int[] o = new int[source.length];
        long[][] gen = new long[source.length][];
        for (int i = 0; i < source.length; i++) {
            o[i] = origin[source[i]];
            gen[i] = generated[source[i]].clone();
        }
        origin = o;
        generated = gen;
    }

    @Override
    public void close() {
        // nothing native is held between calls
    }
}
