package io.blip2stream.pipeline.generate;

import java.util.List;

/**
 * One request's decoding, advanced one step at a time by {@link DecodeBatch}: the rows it holds
 * in the language model, the token each of them feeds next, and, once done, its sequences. It
 * never sees its batch-mates: everything it decides comes from its own rows' logits, its options
 * and its seed, so it decodes the same tokens alone, in a static batch, or joining a running one.
 *
 * <p>Protocol: the request holds one row (its prompt) until its first {@link #advance}; after
 * each advance it is either {@link #done()} or holds {@link #sources()}.length rows for the next
 * step, row {@code i} continuing its old row {@code sources()[i]} with token {@code tokens()[i]}.
 */
public abstract class RequestDecoding {

    /** Made by {@link DecodingKernels} (greedy and sampling, beam search) only. */
    RequestDecoding() {
    }

    /** Rows it holds in the language model now (whose logits the next {@link #advance} reads). */
    public abstract int rows();

    /**
     * Consumes the logits of its rows: rows {@code first} .. {@code first + rows() - 1} of
     * {@code logits} (row-major, {@code V} wide), and decides its next rows or that it is done.
     */
    public abstract void advance(float[] logits, int first);

    public abstract boolean done();

    /** After an advance that did not finish it: the old (local) row of each new row. */
    public abstract int[] sources();

    /** After an advance that did not finish it: the token each new row feeds. */
    public abstract long[] tokens();

    /** Once done: num_return_sequences sequences, best first. */
    public abstract List<GeneratedSequence> result();
}
