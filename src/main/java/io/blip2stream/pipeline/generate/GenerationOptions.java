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

    public GenerationOptions {
        range("max_new_tokens", maxNewTokens, 1, MAX_NEW_TOKENS_LIMIT);
        range("min_new_tokens", minNewTokens, 0, maxNewTokens);
        range("num_beams", numBeams, 1, MAX_BEAMS_LIMIT);
        range("num_return_sequences", numReturnSequences, 1, doSample ? MAX_BEAMS_LIMIT : numBeams);
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "temperature must be > 0, got " + temperature);
        }
        range("top_k", topK, 0, Integer.MAX_VALUE);
        if (!(topP > 0 && topP <= 1)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "top_p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        range("no_repeat_ngram_size", noRepeatNgramSize, 0, Integer.MAX_VALUE);
        if (Double.isNaN(lengthPenalty) || Double.isInfinite(lengthPenalty)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "length_penalty must be finite");
        }
    }

    /** "num_beams 0 is below the minimum 1", "num_beams 20 is above the maximum 16": the broken bound as the limit. */
    private static void range(String name, long value, long min, long max) {
        if (value < min) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, name + " " + value + " is below the minimum " + min, min, null);
        }
        if (value > max) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, name + " " + value + " is above the maximum " + max, max, null);
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
