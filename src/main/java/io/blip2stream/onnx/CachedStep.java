package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;

import java.util.Map;

/**
 * The call protocol shared by the KV-cached steps: {@code prefill()} once, then {@code step()} and
 * {@code reorder()}, with the argument checks and the identity-reorder shortcut done here, and the
 * pinned logits buffer. What is cached, where, and how a run feeds and keeps it, is the subclass's:
 * {@link #start()}, {@link #advance(long[])} and {@link #gather(int[])} ({@link HostCachedStep}: the
 * cache in tensors the Java API returned; {@link BoundOptStep}, {@link BoundT5Step}: the cache left on
 * the execution provider's device).
 *
 * @param <M> the family's language model
 */
abstract class CachedStep<M extends OnnxLanguageModel> implements LanguageModelStep {
    protected final M lm;
    protected final LmBatch batch;
    private final LogitsOutput logits;   // null: read from each run's result
    private int rows;

    /** @param batch the rows of {@link #prefill()}; null for a step that starts empty and takes rows by {@link #join} */
    CachedStep(M lm, LmBatch batch) {
        this.lm = lm;
        this.batch = batch;
        this.rows = batch == null ? 0 : batch.rows();
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
     * {@code source} is not the identity and not empty; {@link #rows()} is still the old count during the
     * call. The family then compacts the cache when it pays ({@link #worthCompacting}).
     */
    protected abstract void gather(int[] source);

    /**
     * Runs newcomers' prompts and appends their cache after the rows held (on an empty step: holds
     * just theirs). Must leave the rows held untouched when the prompts' run fails.
     *
     * @return float[batch.rows() * V], a new array  // [k, V]
     */
    protected abstract float[] admit(LmBatch batch);

    /** Releases the cache: every row left. {@link #prefilled()} is false after it. */
    protected abstract void clear();

    /**
     * Whether dropping {@code common} leading columns that every row pads pays for the copy of the
     * cache it takes: at least 8 columns, or a quarter of the cache (attention then reads that much
     * less for every step to come).
     */
    static boolean worthCompacting(int common, int length) {
        return common > 0 && (common >= 8 || common * 4 >= length);
    }

    /**
     * The tensor the logits of a run over {@code rows} rows go into (a pinned output); null when the
     * decoder's logits are not float32 (they are then read from each run's result).
     */
    protected final OnnxTensor logitsTensor(int rows) {
        return logits == null ? null : logits.tensor(rows);
    }

    /**
     * The logits of the latest run into {@link #logitsTensor}.
     *
     * @return float[rows * V], valid until the next run  // [rows, V]
     */
    protected final float[] readLogits() {
        return logits.read();
    }

    /** Whether the decoder's logits go into a pinned float32 buffer. */
    protected final boolean pinnedLogits() {
        return logits != null;
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
        if (batch == null) {
            throw new IllegalStateException("this step starts empty: rows come with join()");
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
        if (source.length == 0) {
            clear();
            rows = 0;
            return;
        }
        gather(source);
        rows = source.length;
    }

    @Override
    public final float[] join(LmBatch newcomers) {
        if (rows > 0 && !canJoin()) {
            throw new IllegalStateException("this decoder takes newcomers only when it holds no rows");
        }
        float[] out = admit(newcomers);
        rows += newcomers.rows();
        return out;
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
