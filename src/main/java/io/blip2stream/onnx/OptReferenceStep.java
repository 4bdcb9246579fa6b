package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.blip2stream.pipeline.generate.LanguageModelStep;

/**
 * The naive OPT reference: every call recomputes the whole sequence (prompt + tokens so far)
 * with an empty past. Slow on purpose; tests compare the cached {@link OptStep} against it.
 */
final class OptReferenceStep implements LanguageModelStep {
    private final OptLanguageModel lm;
    private final LmBatch batch;
    private int[] origin;        // [rows]: the batch row each row came from
    private long[][] generated;  // [rows][steps]

    OptReferenceStep(OptLanguageModel lm, LmBatch batch) {
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
        return recompute();
    }

    @Override
    public float[] step(long[] tokens) {
        for (int i = 0; i < origin.length; i++) {
            long[] g = java.util.Arrays.copyOf(generated[i], generated[i].length + 1);
            g[g.length - 1] = tokens[i];
            generated[i] = g;
        }
        return recompute();
    }

    private float[] recompute() {
        int rows = origin.length;
        int q = batch.numQuery();
        int s0 = batch.textLength();
        int g = generated[0].length;
        int s = s0 + g;
        int t = q + s;
        long[] srcText = batch.textIds();           // [B, S0]
        long[] text = new long[rows * s];           // [rows, S]
        long[] mask = new long[rows * t];           // [rows, T]
        float[] query = new float[rows * q * lm.hidden()]; // [rows, Q, D]
        for (int i = 0; i < rows; i++) {
            int o = origin[i];
            System.arraycopy(srcText, o * s0, text, i * s, s0);
            System.arraycopy(generated[i], 0, text, i * s + s0, g);
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
             OrtSession.Result r = lm.decode(e, mask, pos, empty, rows)) {
            return Tensors.readFloats(Tensors.output(r, OptLanguageModel.LOGITS), null);
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
