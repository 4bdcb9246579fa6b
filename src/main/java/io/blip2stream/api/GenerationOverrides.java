package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Generation options a request sets over the bundle's defaults: Hugging Face names, every field
 * optional (null = the default). The one overrides type of every path: the wire (the
 * {@code options} object of a question, or the {@code blip2-options} header,
 * schemas/options.schema.json), {@code infer}'s flags and {@code bench}'s fixed settings. Turned
 * into a request's options, with one validation, by {@code GenerationOptions.merge}.
 *
 * @param returnTokenIds put the generated token ids in the result (a result setting, not a
 *                       generation one)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GenerationOverrides(
        @JsonProperty("max_new_tokens") Integer maxNewTokens,
        @JsonProperty("min_new_tokens") Integer minNewTokens,
        @JsonProperty("num_beams") Integer numBeams,
        @JsonProperty("length_penalty") Double lengthPenalty,
        @JsonProperty("early_stopping") Boolean earlyStopping,
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
    public static final GenerationOverrides NONE = builder().build();

    /** Whether the result should carry token ids. */
    public boolean wantsTokenIds() {
        return Boolean.TRUE.equals(returnTokenIds);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Named setters; every field not set stays unset (null). */
    public static final class Builder {
        private Integer maxNewTokens;
        private Integer minNewTokens;
        private Integer numBeams;
        private Double lengthPenalty;
        private Boolean earlyStopping;
        private Boolean doSample;
        private Double temperature;
        private Integer topK;
        private Double topP;
        private Double repetitionPenalty;
        private Integer noRepeatNgramSize;
        private Integer numReturnSequences;
        private Long seed;
        private Boolean returnTokenIds;

        private Builder() {
        }

        public Builder maxNewTokens(Integer v) {
            maxNewTokens = v;
            return this;
        }

        public Builder minNewTokens(Integer v) {
            minNewTokens = v;
            return this;
        }

        public Builder numBeams(Integer v) {
            numBeams = v;
            return this;
        }

        public Builder lengthPenalty(Double v) {
            lengthPenalty = v;
            return this;
        }

        public Builder earlyStopping(Boolean v) {
            earlyStopping = v;
            return this;
        }

        public Builder doSample(Boolean v) {
            doSample = v;
            return this;
        }

        public Builder temperature(Double v) {
            temperature = v;
            return this;
        }

        public Builder topK(Integer v) {
            topK = v;
            return this;
        }

        public Builder topP(Double v) {
            topP = v;
            return this;
        }

        public Builder repetitionPenalty(Double v) {
            repetitionPenalty = v;
            return this;
        }

        public Builder noRepeatNgramSize(Integer v) {
            noRepeatNgramSize = v;
            return this;
        }

        public Builder numReturnSequences(Integer v) {
            numReturnSequences = v;
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder returnTokenIds(Boolean v) {
            returnTokenIds = v;
            return this;
        }

        public GenerationOverrides build() {
            return new GenerationOverrides(maxNewTokens, minNewTokens, numBeams, lengthPenalty, earlyStopping, doSample,
                    temperature, topK, topP, repetitionPenalty, noRepeatNgramSize, numReturnSequences, seed,
                    returnTokenIds);
        }
    }
}
