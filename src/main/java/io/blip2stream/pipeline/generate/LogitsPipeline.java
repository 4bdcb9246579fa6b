package io.blip2stream.pipeline.generate;

/**
 * Hugging Face's {@code LogitsProcessorList} for the options this service supports, in the order
 * {@code GenerationMixin._get_logits_processor} builds it:
 * <ol>
 *   <li>{@code RepetitionPenaltyLogitsProcessor} (repetition_penalty != 1)</li>
 *   <li>{@code NoRepeatNGramLogitsProcessor} (no_repeat_ngram_size > 0)</li>
 *   <li>{@code MinNewTokensLengthLogitsProcessor} (min_new_tokens > 0 and eos ids known)</li>
 *   <li>with do_sample only: {@code TemperatureLogitsWarper} (temperature != 1),
 *       {@code TopKLogitsWarper} (top_k != 0), {@code TopPLogitsWarper} (top_p < 1)</li>
 * </ol>
 * Greedy and sampling run it on the raw logits; beam search on the log-softmax of the logits.
 * Each row is processed alone against its own history, so a row's result never depends on its
 * batch-mates. Not thread-safe: it owns scratch buffers.
 */
final class LogitsPipeline {
    private final int vocab;
    private final GenerationConstants consts;
    private final float repetitionPenalty;   // 1 = off
    private final int noRepeatNgramSize;     // 0 = off
    private final int minNewTokens;          // 0 = off
    private final boolean warp;              // do_sample
    private final float temperature;         // 1 = off
    private final int topK;                  // 0 = off; already max(top_k, min_tokens_to_keep)
    private final double topP;               // 1 = off
    private final int minTokensToKeep;

    private final int[] seen;      // [vocab] stamp per token: dedupes the repetition penalty
    private int epoch;
    private final TopK topKSelector;
    private final float[] probs;   // [vocab] softmax scratch for top_p
    private final int[] heap;      // [vocab] candidate heap for top_p
    private final boolean[] keep;  // [vocab] top_p survivors

    LogitsPipeline(GenerationOptions options, GenerationConstants consts, boolean beamSearch) {
        this.vocab = consts.vocabSize();
        this.consts = consts;
        this.repetitionPenalty = (float) options.repetitionPenalty();
        this.noRepeatNgramSize = options.noRepeatNgramSize();
        this.minNewTokens = consts.eosCount() > 0 ? options.minNewTokens() : 0;
        this.warp = options.doSample();
        this.temperature = (float) options.temperature();
        // HF: beam sampling keeps at least (number of eos ids + 1) tokens, and 2 when eos is unset
        this.minTokensToKeep = beamSearch ? Math.max(2, consts.eosCount() + 1) : 1;
        this.topK = options.topK() == 0 ? 0 : Math.min(Math.max(options.topK(), minTokensToKeep), vocab);
        this.topP = options.topP();
        this.seen = new int[vocab];
        this.topKSelector = new TopK(warp && topK > 0 ? topK : 1);
        boolean needTopP = warp && topP < 1.0;
        this.probs = needTopP ? new float[vocab] : null;
        this.heap = needTopP ? new int[vocab] : null;
        this.keep = needTopP ? new boolean[vocab] : null;
    }

    /** Applies every processor to {@code row[off, off+vocab)}, the scores of hypothesis {@code h}. */
    void apply(float[] row, int off, TokenHistory h) {
        if (repetitionPenalty != 1f) {
            repetitionPenalty(row, off, h);
        }
        if (noRepeatNgramSize > 0) {
            noRepeatNgram(row, off, h);
        }
        if (minNewTokens > 0 && h.generated() < minNewTokens) {
            for (int i = 0; i < consts.eosCount(); i++) {
                row[off + consts.eosId(i)] = Float.NEGATIVE_INFINITY;
            }
        }
        if (warp) {
            if (temperature != 1f) {
                for (int i = off; i < off + vocab; i++) {
                    row[i] = row[i] / temperature;
                }
            }
            if (topK > 0) {
                topK(row, off);
            }
            if (topP < 1.0) {
                topP(row, off);
            }
        }
    }

    /** Each distinct token of the history once: negative scores times the penalty, others divided. */
    private void repetitionPenalty(float[] row, int off, TokenHistory h) {
        int stamp = ++epoch;
        if (stamp == Integer.MAX_VALUE) {
            java.util.Arrays.fill(seen, 0);
            epoch = stamp = 1;
        }
        for (int i = 0; i < h.length(); i++) {
            int t = h.get(i);
            if (seen[t] == stamp) {
                continue;
            }
            seen[t] = stamp;
            float s = row[off + t];
            row[off + t] = s < 0 ? s * repetitionPenalty : s / repetitionPenalty;
        }
    }

    /**
     * Bans every token that would repeat an n-gram already in the history: the n-gram ending at
     * the next position has the last n-1 history tokens as its prefix (fairseq's rule, as HF).
     */
    private void noRepeatNgram(float[] row, int off, TokenHistory h) {
        int n = noRepeatNgramSize;
        int len = h.length();
        if (len + 1 < n) {
            return;
        }
        int prefixStart = len - n + 1; // the last n-1 tokens
        for (int i = 0; i + n <= len; i++) {
            boolean match = true;
            for (int j = 0; j < n - 1; j++) {
                if (h.get(i + j) != h.get(prefixStart + j)) {
                    match = false;
                    break;
                }
            }
            if (match) {
                row[off + h.get(i + n - 1)] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Removes every score below the k-th largest (ties with it survive), as TopKLogitsWarper. */
    private void topK(float[] row, int off) {
        float threshold = topKSelector.kthLargest(row, off, vocab, topK);
        for (int i = off; i < off + vocab; i++) {
            if (row[i] < threshold) {
                row[i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * TopPLogitsWarper: HF sorts ascending, removes tokens whose cumulative probability is
     * <= 1 - top_p, and keeps the top min_tokens_to_keep. Equivalently, walking from the most
     * probable token down, a token survives while the mass strictly above it is < top_p. Done
     * with a max-heap that is popped only as far as needed (no full sort of the vocabulary).
     * Equal probabilities: HF's ascending sort keeps the lower index first, so the higher index
     * survives first; the heap pops equal values higher index first.
     */
    private void topP(float[] row, int off) {
        ScoreMath.softmax(row, off, vocab, probs);
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            keep[i] = false;
            if (probs[i] > 0f) {
                heap[n++] = i;
            }
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            siftDown(i, n);
        }
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            total += probs[i];
        }
        double removeAtOrBelow = (float) (1.0 - topP); // HF compares float32 cumsums with this
        double above = 0;
        int rank = 0;
        while (n > 0) {
            int t = heap[0];
            if (rank >= minTokensToKeep && total - above <= removeAtOrBelow) {
                break;
            }
            keep[t] = true;
            above += probs[t];
            rank++;
            heap[0] = heap[--n];
            siftDown(0, n);
        }
        for (int i = 0; i < vocab; i++) {
            if (!keep[i]) {
                row[off + i] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    private boolean higher(int a, int b) {
        float pa = probs[a];
        float pb = probs[b];
        return pa > pb || (pa == pb && a > b);
    }

    private void siftDown(int i, int n) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                return;
            }
            int r = l + 1;
            int best = (r < n && higher(heap[r], heap[l])) ? r : l;
            if (!higher(heap[best], heap[i])) {
                return;
            }
            int t = heap[i];
            heap[i] = heap[best];
            heap[best] = t;
            i = best;
        }
    }
}
