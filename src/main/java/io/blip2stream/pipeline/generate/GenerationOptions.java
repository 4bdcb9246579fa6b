package io.blip2stream.pipeline.generate;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

/**
 * Generation settings of one request, HF names and semantics. Validated here, at the edge:
 * an out-of-range value is an {@link ErrorCode#INVALID_REQUEST} carrying the broken limit.
 *
 * @param seed sampling seed; null = derived from the request id (still reproducible)
 */
public record GenerationOptions(
        int maxNewTokens,
        int minNewTokens,
        int numBeams,
        double lengthPenalty,
        boolean earlyStopping,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double repetitionPenalty,
        int noRepeatNgramSize,
        int numReturnSequences,
        Long seed) {

    /** Hard ceilings, whatever the configuration says. */
    public static final int MAX_NEW_TOKENS_LIMIT = 512;
    public static final int MAX_BEAMS_LIMIT = 16;
    /**
     * Float ranges within which the engine's fp32 arithmetic stays finite (logits divided by the
     * temperature, scores multiplied or divided by the repetition penalty, the length raised to
     * the length penalty); outside them sampling or beam scores turn into infinities and NaN.
     */
    public static final double MIN_TEMPERATURE = 1e-3;
    public static final double MAX_TEMPERATURE = 1e4;
    public static final double MIN_REPETITION_PENALTY = 1e-3;
    public static final double MAX_REPETITION_PENALTY = 1e3;
    public static final double MAX_ABS_LENGTH_PENALTY = 10;

    public GenerationOptions {
        check(maxNewTokens >= 1 && maxNewTokens <= MAX_NEW_TOKENS_LIMIT, "max_new_tokens", maxNewTokens, MAX_NEW_TOKENS_LIMIT);
        check(minNewTokens >= 0 && minNewTokens <= maxNewTokens, "min_new_tokens", minNewTokens, maxNewTokens);
        check(numBeams >= 1 && numBeams <= MAX_BEAMS_LIMIT, "num_beams", numBeams, MAX_BEAMS_LIMIT);
        check(numReturnSequences >= 1 && numReturnSequences <= (doSample ? MAX_BEAMS_LIMIT : numBeams),
                "num_return_sequences", numReturnSequences, doSample ? MAX_BEAMS_LIMIT : numBeams);
        range("temperature", temperature, MIN_TEMPERATURE, MAX_TEMPERATURE);
        check(topK >= 0, "top_k", topK, 0);
        if (!(topP > 0 && topP <= 1)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "top_p must be in (0, 1], got " + topP);
        }
        range("repetition_penalty", repetitionPenalty, MIN_REPETITION_PENALTY, MAX_REPETITION_PENALTY);
        check(noRepeatNgramSize >= 0, "no_repeat_ngram_size", noRepeatNgramSize, 0);
        range("length_penalty", lengthPenalty, -MAX_ABS_LENGTH_PENALTY, MAX_ABS_LENGTH_PENALTY);
    }

    /** A float option must lie in [min, max] (NaN never does). */
    private static void range(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST,
                    name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    private static void check(boolean ok, String name, long value, long limit) {
        if (!ok) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST,
                    name + " is out of range: got " + value + ", limit " + limit, limit, null);
        }
    }

    /** HF's defaults with nothing set: greedy, 20 new tokens. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 1, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 1, null);
    }

    /** Options that may share one language-model run: everything but the seed. */
    public GenerationOptions batchKey() {
        return new GenerationOptions(maxNewTokens, minNewTokens, numBeams, lengthPenalty, earlyStopping, doSample,
                temperature, topK, topP, repetitionPenalty, noRepeatNgramSize, numReturnSequences, null);
    }

    public GenerationOptions withSeed(Long newSeed) {
        return new GenerationOptions(maxNewTokens, minNewTokens, numBeams, lengthPenalty, earlyStopping, doSample,
                temperature, topK, topP, repetitionPenalty, noRepeatNgramSize, numReturnSequences, newSeed);
    }
}
