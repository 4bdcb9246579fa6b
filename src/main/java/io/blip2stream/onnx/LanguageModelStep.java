package io.blip2stream.onnx;

/**
 * The language model as the decoding loop sees it: a batch of rows with a KV cache behind them.
 * Implementations: the ONNX Runtime host loop (io.blip2stream.onnx), a naive no-cache reference
 * for tests, and later a device-resident decoder. Not thread-safe; one loop owns one instance.
 *
 * <p>Row order is the loop's business: {@link #reorder(int[])} keeps, drops, duplicates or
 * permutes rows (beam expansion and reordering, dropping finished rows).
 */
public interface LanguageModelStep extends AutoCloseable {

    /** Vocabulary width of the logits (the LM head's output size). */
    int vocabSize();

    /** Rows currently held. */
    int rows();

    /**
     * First step: runs the prompt of every row.
     *
     * @return next-token logits, row-major: float[rows * vocabSize]; valid until the next call
     *         (an implementation may reuse the array)
     */
    float[] prefill();

    /**
     * One step: feeds one new token per row.
     *
     * @param tokens long[rows]: the token chosen for each row
     * @return next-token logits, row-major: float[rows * vocabSize]; valid until the next call
     */
    float[] step(long[] tokens);

    /**
     * Rebuilds the cache so that new row {@code i} is old row {@code source[i]}. {@code source}
     * may be shorter (drop rows), longer (expand for beams) or a permutation.
     */
    void reorder(int[] source);

    /**
     * Whether {@link #join} may be called while rows are held: always for a decoder-only model
     * (rows are left-padded to a common length, with their mask), for an encoder-decoder model only
     * when its decoder graph takes a self-attention mask.
     */
    default boolean canJoin() {
        return false;
    }

    /**
     * Newcomers: runs their prompts (one row each; on an empty step, the same as {@link #prefill()}
     * of that batch) and appends their cache after the rows held, aligned with it. Fails without
     * touching the rows held when the prompts' run fails.
     *
     * @return their next-token logits, float[batch.rows() * vocabSize], a new array
     */
    default float[] join(LmBatch batch) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not take newcomers");
    }

    @Override
    void close();
}
