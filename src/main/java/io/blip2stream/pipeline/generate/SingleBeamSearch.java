package io.blip2stream.pipeline.generate;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Greedy decoding and multinomial sampling: a port of transformers' {@code GenerationMixin._sample}.
 * With sampling and num_return_sequences = R each request runs as R independent rows (HF expands
 * the batch the same way); each row draws from its own {@link SplittableRandom}, split off the
 * request's seed in a fixed order, so a row's tokens depend only on its seed and its logits.
 * Finished rows leave the language model at once. One instance per set of options serves every
 * request with them ({@link DecodingKernels}); its scratch buffers are used by one step at a time.
 */
final class SingleBeamSearch {
    private final GenerationOptions options;
    private final GenerationConstants consts;
    private final int vocab;
    private final LogitsPipeline pipeline;
    private final float[] scores; // [vocab] the row being processed
    private final float[] probs;  // [vocab] sampling distribution

    SingleBeamSearch(GenerationOptions options, GenerationConstants consts) {
        this.options = options;
        this.consts = consts;
        this.vocab = consts.vocabSize();
        this.pipeline = new LogitsPipeline(options, consts, false);
        this.scores = new float[vocab];
        this.probs = options.doSample() ? new float[vocab] : null;
    }

    /** A request's decoding: one row until its first token, then num_return_sequences rows when sampling. */
    Request request(RowInput row) {
        return new Request(row);
    }

    /** The rows of one request: greedy, or num_return_sequences independent sampled rows. */
    final class Request extends RequestDecoding {
        private final TokenHistory[] hist;
        private final SplittableRandom[] rng;
        private final FinishReason[] reason;
        private final int[] lmRow;   // local row of each expanded row's state right now
        private final int[] live;    // expanded rows still running, in row order
        private int liveCount;
        private int rows = 1;        // the prompt's row until the first advance
        private int[] sources;
        private long[] tokens;

        Request(RowInput row) {
            int perRequest = options.doSample() ? options.numReturnSequences() : 1;
            hist = new TokenHistory[perRequest];
            rng = new SplittableRandom[perRequest];
            reason = new FinishReason[perRequest];
            lmRow = new int[perRequest];
            live = new int[perRequest];
            SplittableRandom base = new SplittableRandom(row.seed());
            for (int e = 0; e < perRequest; e++) {
                hist[e] = new TokenHistory(row, options.maxNewTokens());
                rng[e] = base.split();
                live[e] = e;
            }
            liveCount = perRequest;
        }

        @Override
        public int rows() {
            return rows;
        }

        @Override
        public void advance(float[] logits, int first) {
            if (liveCount == 0) {
                throw new IllegalStateException("the request is done");
            }
            int stillLive = 0;
            for (int i = 0; i < liveCount; i++) {
                int e = live[i];
                int token = choose(logits, first + lmRow[e], hist[e], rng[e]);
                hist[e].append(token);
                if (consts.isEos(token)) {
                    reason[e] = FinishReason.EOS;
                } else if (hist[e].generated() >= options.maxNewTokens()) {
                    reason[e] = FinishReason.LENGTH;
                } else {
                    live[stillLive++] = e;
                }
            }
            sources = new int[stillLive];   // [stillLive]: local row of each kept row
            tokens = new long[stillLive];   // [stillLive]
            for (int i = 0; i < stillLive; i++) {
                int e = live[i];
                sources[i] = lmRow[e];
                lmRow[e] = i;
                tokens[i] = hist[e].last();
            }
            liveCount = stillLive;
            rows = stillLive;
        }

        @Override
        public boolean done() {
            return liveCount == 0;
        }

        @Override
        public int[] sources() {
            return sources;
        }

        @Override
        public long[] tokens() {
            return tokens;
        }


        @Override
        public List<GeneratedSequence> result() {
            List<GeneratedSequence> seqs = new ArrayList<>(hist.length);
            for (int e = 0; e < hist.length; e++) {
                seqs.add(new GeneratedSequence(hist[e].generatedIds(), reason[e], Double.NaN));
            }
            return List.copyOf(seqs);
        }
    }

    private int choose(float[] logits, int row, TokenHistory h, SplittableRandom rng) {
        System.arraycopy(logits, row * vocab, scores, 0, vocab);
        pipeline.apply(scores, 0, h);
        if (!options.doSample()) {
            return ScoreMath.argmax(scores, 0, vocab);
        }
        ScoreMath.softmax(scores, 0, vocab, probs);
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            total += probs[i];
        }
        if (!(total > 0) || Double.isNaN(total)) {
            throw new Blip2Exception(ErrorCode.INFERENCE_FAILED, "no token left to sample from");
        }
        double u = rng.nextDouble() * total;
        double acc = 0;
        int lastPositive = -1;
        for (int i = 0; i < vocab; i++) {
            float p = probs[i];
            if (p > 0f) {
                acc += p;
                lastPositive = i;
                if (u < acc) {
                    return i;
                }
            }
        }
        return lastPositive; // u landed on the rounding slack at the top
    }
}
