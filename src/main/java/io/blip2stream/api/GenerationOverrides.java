package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Generation options as sent on the wire (the {@code options} object of a question, or the
 * {@code blip2-options} header): Hugging Face names, every field optional. Unset fields take the
 * bundle's generation defaults.
 *
 * @param returnTokenIds put the generated token ids in the result
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationOverrides(
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
    public static final GenerationOverrides NONE =
            new GenerationOverrides(null, null, null, null, null, null, null, null, null, null, null, null, null);

    /** Whether the result should carry token ids. */
    public boolean wantsTokenIds() {
        return Boolean.TRUE.equals(returnTokenIds);
    }
}
