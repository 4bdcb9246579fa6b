package io.blip2stream.pipeline.generate;

import java.util.Arrays;
import java.util.List;

/**
 * Model constants the decoding loop needs (from the bundle manifest).
 *
 * @param eosTokenIds generation stops on any of these (may be empty: then only max_new_tokens stops)
 * @param padTokenId  the id Hugging Face fills finished rows with; never part of a returned sequence
 * @param vocabSize   width of the logits rows (the LM head's output size)
 */
public record GenerationConstants(int[] eosTokenIds, int padTokenId, int vocabSize) {

    public GenerationConstants {
        if (vocabSize < 2) {
            throw new IllegalArgumentException("vocabSize must be >= 2, got " + vocabSize);
        }
        eosTokenIds = eosTokenIds.clone();
        for (int id : eosTokenIds) {
            if (id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("eos id " + id + " is outside the vocabulary of " + vocabSize);
            }
        }
    }

    public static GenerationConstants of(List<Integer> eosTokenIds, int padTokenId, int vocabSize) {
        return new GenerationConstants(eosTokenIds.stream().mapToInt(Integer::intValue).toArray(), padTokenId, vocabSize);
    }

    @Override
    public int[] eosTokenIds() {
        return eosTokenIds.clone();
    }

    /** Whether {@code tokenId} is one of the eos ids. */
    public boolean isEos(int tokenId) {
        for (int id : eosTokenIds) {
            if (id == tokenId) {
                return true;
            }
        }
        return false;
    }

    int eosCount() {
        return eosTokenIds.length;
    }

    int eosId(int i) {
        return eosTokenIds[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationConstants c && c.padTokenId == padTokenId && c.vocabSize == vocabSize
                && Arrays.equals(c.eosTokenIds, eosTokenIds);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(eosTokenIds) + padTokenId) + vocabSize;
    }

    @Override
    public String toString() {
        return "GenerationConstants[eosTokenIds=" + Arrays.toString(eosTokenIds) + ", padTokenId=" + padTokenId
                + ", vocabSize=" + vocabSize + "]";
    }
}
