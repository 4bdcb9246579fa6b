package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.blip2stream.pipeline.generate.GenerationOptions;

/**
 * Generation options as sent on the wire (the {@code options} object of a question, or the
 * {@code blip2-options} header): Hugging Face names, every field optional. Unset fields take the
 * bundle's generation defaults.
 *
 * @param returnTokenIds put the generated token ids in the result
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WireOptions(
        @JsonProperty("max_new_tokens") Integer maxNewTokens,
        @JsonProperty("min_new_tokens") Integer minNewTokens,
        @JsonProperty("num_beams") Integer numBeams,
        @JsonProperty("length_penalty") Double lengthPenalty,
        @JsonProperty("do_sample") Boolean doSample,
        Double temperature,
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("repetition_penalty") Double repetitionPenalty,
        @JsonProperty("no_repeat_ngram_size") Integer noRepeatNgramSize,
        @JsonProperty("num_return_sequences") Integer numReturnSequences,
        Long seed,
        @JsonProperty("return_token_ids") Boolean returnTokenIds) {

    /** No option set: every value from the bundle's defaults. */
    public static final WireOptions NONE =
            new WireOptions(null, null, null, null, null, null, null, null, null, null, null, null, null);

    /**
     * The generation options of a request: each unset field from {@code defaults}. Validates every
     * value ({@link ErrorCode#INVALID_REQUEST}, with the broken limit).
     *
     * @param maxNewTokensLimit the service's ceiling on {@code max_new_tokens}
     */
    public GenerationOptions toGenerationOptions(GenerationOptions defaults, int maxNewTokensLimit) {
        int maxNew = or(maxNewTokens, defaults.maxNewTokens());
        if (maxNew > maxNewTokensLimit) {
            throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "max_new_tokens", maxNew, maxNewTokensLimit);
        }
        return new GenerationOptions(
                maxNew,
                or(minNewTokens, Math.min(defaults.minNewTokens(), maxNew)),
                or(numBeams, defaults.numBeams()),
                or(lengthPenalty, defaults.lengthPenalty()),
                defaults.earlyStopping(),
                or(doSample, defaults.doSample()),
                or(temperature, defaults.temperature()),
                or(topK, defaults.topK()),
                or(topP, defaults.topP()),
                or(repetitionPenalty, defaults.repetitionPenalty()),
                or(noRepeatNgramSize, defaults.noRepeatNgramSize()),
                or(numReturnSequences, numReturnSequencesDefault(defaults)),
                seed != null ? seed : defaults.seed());
    }

    /** Whether the result should carry token ids. */
    public boolean wantsTokenIds() {
        return Boolean.TRUE.equals(returnTokenIds);
    }

    /** The default count of returned sequences, kept within the requested beam count. */
    private int numReturnSequencesDefault(GenerationOptions defaults) {
        int beams = or(numBeams, defaults.numBeams());
        boolean sample = or(doSample, defaults.doSample());
        return sample ? defaults.numReturnSequences() : Math.min(defaults.numReturnSequences(), beams);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
