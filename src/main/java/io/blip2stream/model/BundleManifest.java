package io.blip2stream.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/**
 * manifest.json of a model bundle (src/docs/bundle-format.md), bound field by field. Unknown
 * fields are ignored so that newer exporters stay readable; what the engine needs is checked by
 * {@link ManifestValidator}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BundleManifest(
        String format,
        @JsonProperty("format_version") int formatVersion,
        String name,
        String family,
        String dtype,
        Integer opset,
        Dims dims,
        Tokens tokens,
        TokenizerSpec tokenizer,
        ImageSection image,
        Prompts prompts,
        Generation generation,
        @JsonProperty("kv_cache") KvCache kvCache,
        Map<String, Graph> graphs) {

    public static final String FORMAT = "blip2-stream-bundle";
    public static final int FORMAT_VERSION = 1;

    /** The parsed family; only valid after validation. */
    public Family familyEnum() {
        return Family.fromManifest(family);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Dims(
            @JsonProperty("num_query_tokens") int numQueryTokens,
            @JsonProperty("lm_hidden_size") int lmHiddenSize,
            @JsonProperty("lm_num_layers") int lmNumLayers,
            @JsonProperty("lm_num_heads") int lmNumHeads,
            @JsonProperty("lm_head_dim") int lmHeadDim,
            @JsonProperty("vocab_size") int vocabSize,
            @JsonProperty("image_size") int imageSize,
            @JsonProperty("patch_size") int patchSize) {
    }

    /** Special token ids; {@code eosTokenIds} is always a list. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Tokens(
            @JsonProperty("image_token_id") long imageTokenId,
            @JsonProperty("bos_token_id") Long bosTokenId,
            @JsonProperty("eos_token_ids") List<Long> eosTokenIds,
            @JsonProperty("pad_token_id") Long padTokenId,
            @JsonProperty("decoder_start_token_id") Long decoderStartTokenId) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TokenizerSpec(
            String file,
            @JsonProperty("padding_side") String paddingSide,
            @JsonProperty("add_special_tokens") Boolean addSpecialTokens,
            @JsonProperty("model_max_length") Integer modelMaxLength) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ImageSection(
            int height,
            int width,
            @JsonProperty("do_convert_rgb") boolean doConvertRgb,
            @JsonProperty("do_resize") boolean doResize,
            String resample,
            boolean antialias,
            @JsonProperty("do_rescale") boolean doRescale,
            @JsonProperty("rescale_factor") double rescaleFactor,
            @JsonProperty("do_normalize") boolean doNormalize,
            @JsonProperty("image_mean") List<Double> imageMean,
            @JsonProperty("image_std") List<Double> imageStd) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Prompts(
            String caption,
            String vqa,
            @JsonProperty("chat_turn") String chatTurn,
            @JsonProperty("chat_separator") String chatSeparator) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Generation(
            @JsonProperty("max_new_tokens") Integer maxNewTokens,
            @JsonProperty("min_new_tokens") Integer minNewTokens,
            @JsonProperty("num_beams") Integer numBeams,
            @JsonProperty("length_penalty") Double lengthPenalty,
            @JsonProperty("early_stopping") Object earlyStopping,
            @JsonProperty("do_sample") Boolean doSample,
            Double temperature,
            @JsonProperty("top_k") Integer topK,
            @JsonProperty("top_p") Double topP,
            @JsonProperty("repetition_penalty") Double repetitionPenalty,
            @JsonProperty("no_repeat_ngram_size") Integer noRepeatNgramSize,
            @JsonProperty("num_return_sequences") Integer numReturnSequences) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record KvCache(
            @JsonProperty("num_layers") int numLayers,
            @JsonProperty("num_heads") int numHeads,
            @JsonProperty("head_dim") int headDim,
            String dtype) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Graph(String file, List<TensorSpec> inputs, List<TensorSpec> outputs) {
        public Graph {
            inputs = inputs == null ? List.of() : List.copyOf(inputs);
            outputs = outputs == null ? List.of() : List.copyOf(outputs);
        }
    }

    /** One graph input or output; {@code shape} entries are integers or axis names. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record TensorSpec(String name, String dtype, List<Object> shape) {
    }
}
