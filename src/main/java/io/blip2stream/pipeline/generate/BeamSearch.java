package io.blip2stream.pipeline.generate;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Beam search (and beam sampling): a port of transformers 5.12's {@code GenerationMixin._beam_search}
 * and its helpers ({@code _get_top_k_continuations}, {@code _get_running_beams_for_next_iteration},
 * {@code _update_finished_beams}, {@code _check_early_stop_heuristic},
 * {@code _beam_search_has_unfinished_sequences}), with the same float32 arithmetic and the same
 * -1e9 sentinels.
 *
 * <p>Per request and step: log-softmax each beam's logits, run the processors, add the beam's
 * running score, keep the top K = max(2, 1 + #eos) * num_beams candidates over all beams
 * (or sample K without replacement with do_sample). Candidates that hit eos or the length limit
 * leave the running set; the best num_beams others run on. Hits among the first num_beams
 * candidates are scored sum(logprobs) / generated_length ** length_penalty and merged into the
 * num_beams finished slots (best first). A request is done when the early-stopping heuristic says
 * no running beam can improve on its finished ones, when early_stopping is TRUE and all its slots
 * are filled, or at the length limit. HF keeps a done request in the batch, frozen by -1e9
 * penalties; here its rows leave the language model instead, which gives the same results.
 *
 * <p>Prefill runs one row per request; the first reorder expands it to num_beams rows (all first
 * candidates come from beam 0, as the other beams start at -1e9). One instance per set of options
 * serves every request with them ({@link DecodingKernels}); its scratch buffers hold one request's
 * step at a time.
 */
final class BeamSearch {
    private static final float SENTINEL = -1.0e9f; // HF's -1e9, exact in float32

    private final GenerationOptions options;
    private final EarlyStopping earlyStopping;
    private final GenerationConstants consts;
    private final int vocab;
    private final int beams;
    private final int keep;        // beams_to_keep
    private final double lengthPenalty; // HF raises an int to this Python float
    private final LogitsPipeline pipeline;
    private final TopK topK;
    private final float[] acc;     // [beams * vocab] accumulated scores of one request
    private final float[] keys;    // [beams * vocab] sampling keys (beam sampling only)
    private final int[] candIdx;   // [keep]
    private final float[] candVal; // [keep]
    private final boolean[] candHit; // [keep]
    private final int[] nextIdx;   // [beams]
    private final float[] nextVal; // [beams]
    private final float[] mergeVal; // [beams + keep]
    private final int[] mergeIdx;   // [beams]
    private final float[] mergeTop; // [beams]

    BeamSearch(GenerationOptions options, EarlyStopping earlyStopping, GenerationConstants consts) {
        this.options = options;
        this.earlyStopping = earlyStopping;
        this.consts = consts;
        this.vocab = consts.vocabSize();
        this.beams = options.numBeams();
        this.keep = Math.max(2, 1 + consts.eosCount()) * beams;
        this.lengthPenalty = options.lengthPenalty();
        this.pipeline = new LogitsPipeline(options, consts, true);
        this.topK = new TopK(beams + keep);
        this.acc = new float[beams * vocab];
        this.keys = options.doSample() ? new float[beams * vocab] : null;
        this.candIdx = new int[keep];
        this.candVal = new float[keep];
        this.candHit = new boolean[keep];
        this.nextIdx = new int[beams];
        this.nextVal = new float[beams];
        this.mergeVal = new float[beams + keep];
        this.mergeIdx = new int[beams];
        this.mergeTop = new float[beams];
    }

    /** A request's beams: one row (the prompt) until its first step, then num_beams rows. */
    Request request(RowInput row) {
        return new Request(row);
    }

    /** State of one request's beams. */
    final class Request extends RequestDecoding {
        final SplittableRandom rng;
        TokenHistory[] running = new TokenHistory[beams];
        float[] runningScore = new float[beams];
        int[] lmRow = new int[beams];   // local row of each beam's state right now
        TokenHistory[] finished = new TokenHistory[beams]; // null: HF's initial placeholder
        float[] finishedScore = new float[beams];
        boolean[] finishedDone = new boolean[beams];
        boolean improvable = true; // is_early_stop_heuristic_unsatisfied
        boolean done;
        private boolean first = true;
        private int rows = 1;
        private final int[] sources = new int[beams];
        private final long[] tokens = new long[beams];

        Request(RowInput row) {
            rng = new SplittableRandom(row.seed());
            TokenHistory prompt = new TokenHistory(row, options.maxNewTokens());
            for (int j = 0; j < beams; j++) {
                running[j] = prompt;
                runningScore[j] = j == 0 ? 0f : SENTINEL;
                lmRow[j] = 0; // prefill holds one row per request
                finishedScore[j] = SENTINEL;
            }
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public void advance(float[] logits, int firstRow) {
            if (done) {
                throw new IllegalStateException("the request is done");
            }
            step(this, logits, firstRow, first);
            first = false;
            if (done) {
                return;
            }
            for (int j = 0; j < beams; j++) {
                sources[j] = lmRow[j];
                tokens[j] = running[j].last();
                lmRow[j] = j;
            }
            rows = beams;
        }

        @Override
        public boolean done() {
            return done;
        }

        @Override
        public int[] sources() {
            return sources.clone();
        }

        @Override
        public long[] tokens() {
            return tokens.clone();
        }

        @Override
        public List<GeneratedSequence> result() {
            return results(this);
        }
    }

    /** One decoding step of one request: steps b–g of HF's loop. */
    private void step(Request r, float[] logits, int firstRow, boolean first) {
        accumulate(r, logits, firstRow, first);
        // c. top-K continuations over all beams (or K sampled without replacement)
        int found = options.doSample() ? sampleCandidates(r.rng) : topK.select(acc, 0, beams * vocab, keep, candIdx, candVal);
        if (found < keep) {
            throw new Blip2Exception(ErrorCode.INFERENCE_FAILED,
                    "beam search found " + found + " continuations, needs " + keep);
        }
        int generated = r.running[0].generated() + 1; // cur_len + 1 - decoder_prompt_len
        boolean atLimit = generated >= options.maxNewTokens();
        boolean allHit = true;
        for (int c = 0; c < keep; c++) { // d. which candidates hit a stopping criterion
            candHit[c] = atLimit || consts.isEos(candIdx[c] % vocab);
            allHit &= candHit[c];
        }
        // f. (finished slots) reads the running beams before e. (next running beams) replaces them
        mergeFinished(r, generated);
        advanceRunning(r);
        updateDone(r, generated, allHit);
    }

    /** b. log-probs, processors, plus running scores into {@code acc} [beams, vocab]. */
    private void accumulate(Request r, float[] logits, int firstRow, boolean first) {
        for (int j = 0; j < beams; j++) {
            int off = j * vocab;
            if (first && j > 0) {
                System.arraycopy(acc, 0, acc, off, vocab); // same prompt, same processed row
            } else {
                System.arraycopy(logits, (firstRow + r.lmRow[j]) * vocab, acc, off, vocab);
                ScoreMath.logSoftmaxInPlace(acc, off, vocab);
                pipeline.apply(acc, off, r.running[j]);
            }
        }
        for (int j = beams - 1; j >= 0; j--) {
            float s = r.runningScore[j];
            int off = j * vocab;
            for (int v = off; v < off + vocab; v++) {
                acc[v] = acc[v] + s;
            }
        }
    }

    /** The history candidate {@code c} extends: its beam's history plus its token. */
    private TokenHistory candidateHistory(Request r, int c) {
        return r.running[candIdx[c] / vocab].plus(candIdx[c] % vocab);
    }

    /** e. The best num_beams candidates that hit nothing run on ({@code _get_running_beams_for_next_iteration}). */
    private void advanceRunning(Request r) {
        for (int c = 0; c < keep; c++) {
            mergeVal[c] = candVal[c] + (candHit[c] ? SENTINEL : 0f); // [keep] scratch
        }
        topK.select(mergeVal, 0, keep, beams, nextIdx, nextVal);
        TokenHistory[] nextRunning = new TokenHistory[beams];
        int[] nextLmRow = new int[beams];
        for (int j = 0; j < beams; j++) {
            int c = nextIdx[j];
            nextRunning[j] = candidateHistory(r, c);
            nextLmRow[j] = r.lmRow[candIdx[c] / vocab];
        }
        r.running = nextRunning;
        r.lmRow = nextLmRow;
        System.arraycopy(nextVal, 0, r.runningScore, 0, beams);
    }

    /** f. Hits among the first num_beams candidates compete for the finished slots ({@code _update_finished_beams}). */
    private void mergeFinished(Request r, int generated) {
        float lengthDivisor = (float) Math.pow(generated, lengthPenalty);
        boolean full = earlyStopping == EarlyStopping.TRUE && allTrue(r.finishedDone);
        System.arraycopy(r.finishedScore, 0, mergeVal, 0, beams);
        for (int c = 0; c < keep; c++) {
            float s = candVal[c] / lengthDivisor;
            s += full ? SENTINEL : 0f;
            s += r.improvable ? 0f : SENTINEL;
            s += candHit[c] && c < beams ? 0f : SENTINEL;
            mergeVal[beams + c] = s; // [beams + keep]: old slots, then candidates
        }
        topK.select(mergeVal, 0, beams + keep, beams, mergeIdx, mergeTop);
        TokenHistory[] fin = new TokenHistory[beams];
        boolean[] finDone = new boolean[beams];
        for (int j = 0; j < beams; j++) {
            int m = mergeIdx[j];
            if (m < beams) {
                fin[j] = r.finished[m];
                finDone[j] = r.finishedDone[m];
            } else {
                int c = m - beams;
                fin[j] = candidateHistory(r, c);
                finDone[j] = candHit[c] && c < beams;
            }
        }
        r.finished = fin;
        r.finishedDone = finDone;
        System.arraycopy(mergeTop, 0, r.finishedScore, 0, beams);
    }

    /** g. The early-stopping heuristic and the request's own stopping condition. */
    private void updateDone(Request r, int generated, boolean allHit) {
        int hypothetical = earlyStopping == EarlyStopping.NEVER && lengthPenalty > 0
                ? options.maxNewTokens() : generated;
        float bestPossible = r.runningScore[0] / (float) Math.pow(hypothetical, lengthPenalty);
        float worstFinished = Float.POSITIVE_INFINITY;
        for (int j = 0; j < beams; j++) {
            worstFinished = Math.min(worstFinished, r.finishedScore[j]);
        }
        boolean canImprove = false;
        for (int j = 0; j < beams; j++) {
            canImprove |= bestPossible > (r.finishedDone[j] ? worstFinished : SENTINEL);
        }
        r.improvable &= canImprove;
        boolean openBeam = !(allTrue(r.finishedDone) && earlyStopping == EarlyStopping.TRUE);
        r.done = !(r.improvable && openBeam && !allHit);
    }

    /**
     * do_sample with beams: K draws without replacement from softmax(acc) over all beams,
     * in draw order (exponential-race keys, equivalent to sequential draws).
     */
    private int sampleCandidates(SplittableRandom rng) {
        int n = beams * vocab;
        float[] probs = keys;
        ScoreMath.softmax(acc, 0, n, probs);
        for (int i = 0; i < n; i++) {
            float p = probs[i];
            // key = -Exp(1) / p: the largest keys are the first draws
            keys[i] = p > 0f ? (float) (Math.log(1.0 - rng.nextDouble()) / p) : Float.NEGATIVE_INFINITY;
        }
        int found = topK.select(keys, 0, n, keep, candIdx, candVal);
        for (int c = 0; c < found; c++) {
            if (keys[candIdx[c]] == Float.NEGATIVE_INFINITY) {
                return fillByScore(c);
            }
            candVal[c] = acc[candIdx[c]];
        }
        return found;
    }

    /**
     * When fewer than K continuations have a probability that survives fp32 (a very low
     * temperature puts all the mass on one token; HF's {@code torch.multinomial} then fails),
     * the remaining candidates are the best-scoring continuations not drawn yet, so sampling at
     * any allowed temperature goes on.
     *
     * @param drawn candidates already drawn, first in {@link #candIdx}
     * @return how many candidates there are now
     */
    private int fillByScore(int drawn) {
        int n = beams * vocab;
        float[] masked = keys; // the draw keys are no longer needed
        System.arraycopy(acc, 0, masked, 0, n);
        for (int c = 0; c < drawn; c++) {
            masked[candIdx[c]] = Float.NEGATIVE_INFINITY;
        }
        int[] idx = new int[keep - drawn];
        float[] val = new float[keep - drawn];
        int more = topK.select(masked, 0, n, keep - drawn, idx, val);
        int found = drawn;
        for (int c = 0; c < more && val[c] != Float.NEGATIVE_INFINITY; c++) {
            candIdx[found] = idx[c];
            candVal[found] = acc[idx[c]];
            found++;
        }
        return found;
    }

    private List<GeneratedSequence> results(Request r) {
        List<GeneratedSequence> out = new ArrayList<>(options.numReturnSequences());
        for (int j = 0; j < options.numReturnSequences(); j++) {
            int[] ids = r.finished[j] == null ? new int[0] : r.finished[j].generatedIds();
            boolean eos = ids.length > 0 && consts.isEos(ids[ids.length - 1]);
            out.add(new GeneratedSequence(ids, eos ? FinishReason.EOS : FinishReason.LENGTH, r.finishedScore[j]));
        }
        return List.copyOf(out);
    }

    private static boolean allTrue(boolean[] a) {
        for (boolean b : a) {
            if (!b) {
                return false;
            }
        }
        return true;
    }
}
