package io.blip2stream.pipeline.generate;

import io.blip2stream.onnx.LanguageModelStep;
import io.blip2stream.onnx.LmBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * A running decoding batch: {@link RequestDecoding}s over one {@link LanguageModelStep}, whose rows
 * are theirs in blocks, in order. Requests {@link #join} at any step boundary (their prompts are
 * prefilled and their cache appended to the running one, aligned by the step); each {@link #step}
 * lets every request consume its rows' logits, takes the finished ones out, reorders the cache
 * once for all the others (dropped rows, beam reorders, expansions) and runs one decoder step.
 * A static micro-batch is the special case where everybody joins before the first step.
 *
 * <p>Not thread-safe: one worker drives it.
 *
 * @param <K> the caller's handle of a request
 */
public final class DecodeBatch<K> implements AutoCloseable {

    /**
     * A request that left the batch.
     *
     * @param sequences num_return_sequences sequences, best first (null when it failed)
     * @param error     why its decoding failed (null when it succeeded); its batch-mates go on
     * @param steps     decoder steps it was in the batch for (its first token came from its prefill)
     */
    public record Finished<K>(K key, List<GeneratedSequence> sequences, RuntimeException error, int steps) {
    }

    private static final class Member<K> {
        final K key;
        final RequestDecoding decoding;
        float[] logits;   // [*, V]: the run whose rows hold this request's next logits
        int row;          // its first row there
        int steps;

        Member(K key, RequestDecoding decoding, float[] logits, int row) {
            this.key = key;
            this.decoding = decoding;
            this.logits = logits;
            this.row = row;
        }
    }

    private final LanguageModelStep lm;
    private final List<Member<K>> members = new ArrayList<>();   // in the order of their rows

    public DecodeBatch(LanguageModelStep lm, int vocabSize) {
        if (lm.vocabSize() != vocabSize) {
            throw new IllegalArgumentException("logits are " + lm.vocabSize() + " wide, the vocabulary is " + vocabSize);
        }
        this.lm = lm;
    }

    /** Requests in the batch. */
    public int requests() {
        return members.size();
    }

    /** Language-model rows in the batch (a request holds one per beam or returned sample). */
    public int rows() {
        return lm.rows();
    }

    /** Whether requests may join now (an encoder-decoder graph without a decoder mask takes newcomers only when empty). */
    public boolean canJoin() {
        return members.isEmpty() || lm.canJoin();
    }

    /**
     * Newcomers join: their prompts run through the language model (one prefill over {@code batch},
     * one row per newcomer, in order) and their cache is appended to the running one.
     *
     * @throws RuntimeException when the prefill fails; the running requests are untouched then
     */
    public void join(List<K> keys, List<RequestDecoding> decodings, LmBatch batch) {
        if (keys.size() != decodings.size() || batch.rows() != keys.size()) {
            throw new IllegalArgumentException(keys.size() + " keys, " + decodings.size() + " decodings, "
                    + batch.rows() + " rows");
        }
        if (!canJoin()) {
            throw new IllegalStateException("this language model takes newcomers only into an empty batch");
        }
        float[] logits = lm.join(batch);   // [k, V], the newcomers' own
        for (int i = 0; i < keys.size(); i++) {
            members.add(new Member<>(keys.get(i), decodings.get(i), logits, i));
        }
    }

    /**
     * Adds requests whose rows {@code lm} already holds (prefilled by the caller, {@code logits} from
     * that prefill), after the members already here: the start of a static batch.
     */
    void addPrefilled(List<K> keys, List<RequestDecoding> decodings, float[] logits) {
        for (int i = 0; i < keys.size(); i++) {
            members.add(new Member<>(keys.get(i), decodings.get(i), logits, i));
        }
    }

    /**
     * One step: every request picks its next tokens from its logits; the finished leave (returned,
     * in row order); the others' rows are reordered in one go and run one decoder step.
     */
    public List<Finished<K>> step() {
        List<Finished<K>> finished = new ArrayList<>();
        int[] source = new int[Math.max(1, lm.rows() * 2)];   // grows: beams expand from one row
        long[] tokens = new long[source.length];
        int next = 0;
        int block = 0;   // the first row of the member's block in the language model now
        for (Iterator<Member<K>> it = members.iterator(); it.hasNext(); ) {
            Member<K> m = it.next();
            int held = m.decoding.rows();
            try {
                m.decoding.advance(m.logits, m.row);
            } catch (RuntimeException e) {
                it.remove();
                finished.add(new Finished<>(m.key, null, e, m.steps));
                block += held;
                continue;
            }
            if (m.decoding.done()) {
                it.remove();
                finished.add(new Finished<>(m.key, m.decoding.result(), null, m.steps));
            } else {
                int[] s = m.decoding.sources();
                long[] t = m.decoding.tokens();
                if (next + s.length > source.length) {
                    source = Arrays.copyOf(source, Math.max(source.length * 2, next + s.length));
                    tokens = Arrays.copyOf(tokens, source.length);
                }
                m.row = next;
                for (int i = 0; i < s.length; i++) {
                    source[next] = block + s[i];
                    tokens[next++] = t[i];
                }
            }
            block += held;
        }
        if (block != lm.rows()) {
            throw new IllegalStateException("the requests hold " + block + " rows, the language model " + lm.rows());
        }
        lm.reorder(Arrays.copyOf(source, next));
        if (next > 0) {
            float[] logits = lm.step(Arrays.copyOf(tokens, next));   // [next, V]
            for (Member<K> m : members) {
                m.logits = logits;
                m.steps++;
            }
        }
        return finished;
    }

    /** The requests still in the batch (for a caller that must fail them after a broken step). */
    public List<K> keys() {
        return members.stream().map(m -> m.key).toList();
    }

    @Override
    public void close() {
        lm.close();
    }
}
