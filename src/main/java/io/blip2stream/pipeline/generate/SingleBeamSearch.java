package io.blip2stream.pipeline.generate;

import io.blip2stream.onnx.LanguageModelStep;
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
 * Finished rows leave the language model at once.
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

    List<List<GeneratedSequence>> run(LanguageModelStep lm, List<RowInput> rows) {
        int perRequest = options.doSample() ? options.numReturnSequences() : 1;
        int n = rows.size() * perRequest;
        TokenHistory[] hist = new TokenHistory[n];
        SplittableRandom[] rng = new SplittableRandom[n];
        FinishReason[] reason = new FinishReason[n];
        int[] lmRow = new int[n]; // where each expanded row's state sits in the LM right now
        for (int b = 0; b < rows.size(); b++) {
            SplittableRandom base = new SplittableRandom(rows.get(b).seed());
            for (int j = 0; j < perRequest; j++) {
                int e = b * perRequest + j;
                hist[e] = new TokenHistory(rows.get(b), options.maxNewTokens());
                rng[e] = base.split();
                lmRow[e] = b; // prefill holds one row per request
            }
        }

        float[] logits = lm.prefill(); // [requests, vocab]
        int[] live = new int[n];
        int liveCount = n;
        for (int e = 0; e < n; e++) {
            live[e] = e;
        }
        while (true) {
            int stillLive = 0;
            for (int i = 0; i < liveCount; i++) {
                int e = live[i];
                int token = choose(logits, lmRow[e], hist[e], rng[e]);
                hist[e].append(token);
                if (consts.isEos(token)) {
                    reason[e] = FinishReason.EOS;
                } else if (hist[e].generated() >= options.maxNewTokens()) {
                    reason[e] = FinishReason.LENGTH;
                } else {
                    live[stillLive++] = e;
                }
            }
            if (stillLive == 0) {
                break;
            }
            int[] source = new int[stillLive]; // [stillLive]: old LM row of each kept row
            long[] tokens = new long[stillLive]; // [stillLive]
            boolean identity = stillLive == lm.rows();
            for (int i = 0; i < stillLive; i++) {
                int e = live[i];
                source[i] = lmRow[e];
                identity &= source[i] == i;
                lmRow[e] = i;
                tokens[i] = hist[e].last();
            }
            if (!identity) {
                lm.reorder(source);
            }
            logits = lm.step(tokens);
            liveCount = stillLive;
        }

        List<List<GeneratedSequence>> out = new ArrayList<>(rows.size());
        for (int b = 0; b < rows.size(); b++) {
            List<GeneratedSequence> seqs = new ArrayList<>(perRequest);
            for (int j = 0; j < perRequest; j++) {
                int e = b * perRequest + j;
                seqs.add(new GeneratedSequence(hist[e].generatedIds(), reason[e], Double.NaN));
            }
            out.add(List.copyOf(seqs));
        }
        return List.copyOf(out);
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
