package io.blip2stream.onnx;


import java.util.Arrays;

/**
 * The bookkeeping shared by the naive references: which batch row each row came from and the tokens
 * generated so far. Nothing is cached between calls; every {@link #prefill()} and {@link #step(long[])}
 * hands the whole history to {@link #recompute()}, which each family implements its own way.
 *
 * @param <M> the family's language model
 */
abstract class ReferenceStep<M extends LanguageModel> implements LanguageModelStep {
    protected final M lm;
    protected final LmBatch batch;
    private int[] origin;        // [rows]: the batch row each row came from
    private long[][] generated;  // [rows][steps]

    ReferenceStep(M lm, LmBatch batch) {
        this.lm = lm;
        this.batch = batch;
        this.origin = new int[batch.rows()];
        for (int i = 0; i < origin.length; i++) {
            origin[i] = i;
        }
        this.generated = new long[batch.rows()][0];
    }

    /**
     * The logits after the prompt and every generated token, computed from scratch.
     *
     * @return float[rows * V]  // [rows, V]
     */
    protected abstract float[] recompute();

    /** The batch row that row {@code i} came from. */
    protected final int origin(int i) {
        return origin[i];
    }

    /** How many tokens each row has generated so far (the same for every row). */
    protected final int steps() {
        return generated[0].length;
    }

    /** The tokens row {@code i} has generated so far: long[steps]. */
    protected final long[] generated(int i) {
        return generated[i];
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
            long[] g = Arrays.copyOf(generated[i], generated[i].length + 1);
            g[g.length - 1] = tokens[i];
            generated[i] = g;
        }
        return recompute();
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
