package io.blip2stream.model;

import com.fasterxml.jackson.annotation.JsonFormat;
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

    /**
     * The image section, with Hugging Face's {@code BlipImageProcessor} meaning and defaults for
     * every field left out: 384 x 384, convert to RGB, resize bicubic with antialias (torchvision's
     * default), rescale by 1/255, normalise with OpenAI CLIP's mean and std. A single number for
     * {@code image_mean} or {@code image_std} stands for all three channels, as in HF.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ImageSection(
            Integer height,
            Integer width,
            @JsonProperty("do_convert_rgb") Boolean doConvertRgb,
            @JsonProperty("do_resize") Boolean doResize,
            String resample,
            Boolean antialias,
            @JsonProperty("do_rescale") Boolean doRescale,
            @JsonProperty("rescale_factor") Double rescaleFactor,
            @JsonProperty("do_normalize") Boolean doNormalize,
            @JsonProperty("image_mean") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            List<Double> imageMean,
            @JsonProperty("image_std") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            List<Double> imageStd) {

        /** BlipImageProcessor's {@code size}. */
        public static final int HF_SIZE = 384;
        /** OpenAI CLIP mean (R, G, B), BlipImageProcessor's {@code image_mean}. */
        public static final List<Double> CLIP_MEAN = List.of(0.48145466, 0.4578275, 0.40821073);
        /** OpenAI CLIP standard deviation (R, G, B), BlipImageProcessor's {@code image_std}. */
        public static final List<Double> CLIP_STD = List.of(0.26862954, 0.26130258, 0.27577711);

        public ImageSection {
            height = height != null ? height : HF_SIZE;
            width = width != null ? width : HF_SIZE;
            doConvertRgb = doConvertRgb == null || doConvertRgb;
            doResize = doResize == null || doResize;
            resample = resample != null ? resample : "bicubic";
            antialias = antialias == null || antialias;
            doRescale = doRescale == null || doRescale;
            rescaleFactor = rescaleFactor != null ? rescaleFactor : 1.0 / 255.0;
            doNormalize = doNormalize == null || doNormalize;
            imageMean = channels(imageMean, CLIP_MEAN);
            imageStd = channels(imageStd, CLIP_STD);
        }

        /** Every field at Hugging Face's default. */
        public static ImageSection defaults() {
            return new ImageSection(null, null, null, null, null, null, null, null, null, null, null);
        }

        private static List<Double> channels(List<Double> given, List<Double> fallback) {
            if (given == null) {
                return fallback;
            }
            return given.size() == 1 ? List.of(given.get(0), given.get(0), given.get(0)) : List.copyOf(given);
        }
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
