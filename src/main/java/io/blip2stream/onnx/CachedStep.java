package io.blip2stream.onnx;

import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;
import io.blip2stream.pipeline.generate.LanguageModelStep;

import java.util.Map;

/**
 * The call protocol shared by the KV-cached steps: {@code prefill()} once, then {@code step()} and
 * {@code reorder()}, with the argument checks and the identity-reorder shortcut done here. What is
 * cached, and how a run feeds and keeps it, is the family's: {@link #start()}, {@link #advance(long[])},
 * {@link #replacePast(KvState)} and {@link #gather(int[])}.
 *
 * @param <M> the family's language model
 */
abstract class CachedStep<M extends OnnxLanguageModel> implements LanguageModelStep {
    protected final M lm;
    protected final LmBatch batch;
    private final LogitsOutput logits;   // null: read from each run's result
    private int rows;

    CachedStep(M lm, LmBatch batch) {
        this.lm = lm;
        this.batch = batch;
        this.rows = batch.rows();
        this.logits = lm.logitsOutput();
    }

    /** The outputs to pin for a decoder run over {@code rows} rows (the logits, where they are float32). */
    protected final Map<String, OnnxValue> pinned(int rows) {
        return logits == null ? Map.of() : logits.pinned(rows);
    }

    /** Whether {@link #prefill()} has run, i.e. the cache is held. */
    protected abstract boolean prefilled();

    /**
     * The prompt's run; fills the cache.
     *
     * @return float[rows * V]  // [rows, V]
     */
    protected abstract float[] start();

    /**
     * One token per row through the cached decoder.
     *
     * @param tokens long[rows]  // [rows, 1], already checked against {@link #rows()}
     * @return float[rows * V]  // [rows, V]
     */
    protected abstract float[] advance(long[] tokens);

    /**
     * Keeps and reorders the cached rows: new row {@code i} is old row {@code source[i]}. Called only when
     * {@code source} is not the identity; {@link #rows()} is still the old count during the call.
     */
    protected abstract void gather(int[] source);

    /**
     * Hands the new past to the family, which closes the one it replaces.
     *
     * @param next {@link OnnxLanguageModel#present} of the latest run
     */
    protected abstract void replacePast(KvState next);

    /**
     * Takes a decoder run (run with {@link #pinned}): its logits, and its present K/V as the next
     * past. Closes the run's result if any of it fails; on success the new past owns it.
     *
     * @return float[rows * V], valid until the next run  // [rows, V]
     */
    protected final float[] take(OrtSession.Result r) {
        try {
            float[] out = logits != null ? logits.read() : OnnxLanguageModel.logits(r);   // [rows, V]
            replacePast(lm.present(r));
            return out;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** Frees the logits' native buffer; the family's {@code close()} calls it. */
    protected final void closeLogits() {
        if (logits != null) {
            logits.close();
        }
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
    public final float[] prefill() {
        if (prefilled()) {
            throw new IllegalStateException("prefill() was already called");
        }
        return start();
    }

    @Override
    public final float[] step(long[] tokens) {
        if (!prefilled()) {
            throw new IllegalStateException("step() before prefill()");
        }
        if (tokens.length != rows) {
            throw new IllegalArgumentException("expected " + rows + " tokens, got " + tokens.length);
        }
        return advance(tokens);
    }

    @Override
    public final void reorder(int[] source) {
        if (!prefilled()) {
            throw new IllegalStateException("reorder() before prefill()");
        }
        if (isIdentity(source, rows)) {
            return;
        }
        gather(source);
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

    /**
     * Picks rows of a row-major matrix.
     *
     * @param src    long[rows * width]  // [rows, width]
     * @param source the old row for each new row
     * @return long[source.length * width]  // [rows', width]
     */
    static long[] gatherRows(long[] src, int width, int[] source) {
        long[] out = new long[source.length * width];
        for (int i = 0; i < source.length; i++) {
            System.arraycopy(src, source[i] * width, out, i * width, width);
        }
        return out;
    }
}
