package io.blip2stream.pipeline.generate;

import java.util.Arrays;

/**
 * One request row as the generation loop sees it.
 *
 * @param contextIds the ids Hugging Face treats as {@code input_ids} during generation: for a
 *                   decoder-only LM the whole prompt (image ids and left padding included), for an
 *                   encoder-decoder LM just {@code [decoder_start]}. They feed
 *                   repetition_penalty and no_repeat_ngram_size and set where "new" tokens begin.
 * @param seed       sampling seed of this row; ignored by greedy and beam search
 */
public record RowInput(int[] contextIds, long seed) {

    public RowInput {
        if (contextIds == null || contextIds.length == 0) {
            throw new IllegalArgumentException("contextIds must hold at least one id");
        }
        contextIds = contextIds.clone();
    }

    @Override
    public int[] contextIds() {
        return contextIds.clone();
    }

    int contextLength() {
        return contextIds.length;
    }

    int contextId(int i) {
        return contextIds[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowInput r && r.seed == seed && Arrays.equals(r.contextIds, contextIds);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(contextIds) + Long.hashCode(seed);
    }

    @Override
    public String toString() {
        return "RowInput[contextIds=" + Arrays.toString(contextIds) + ", seed=" + seed + "]";
    }
}
