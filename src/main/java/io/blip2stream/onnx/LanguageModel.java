package io.blip2stream.onnx;


/** A loaded language model (its graphs); makes one {@link LanguageModelStep} per generation. */
public interface LanguageModel extends AutoCloseable {

    /** Width of the logits. */
    int vocabSize();

    /** The fast path: KV cache kept between steps. */
    LanguageModelStep start(LmBatch batch);

    /**
     * The fast path for continuous batching: a step holding no rows yet; requests come and go
     * with {@link LanguageModelStep#join} and {@link LanguageModelStep#reorder}.
     */
    LanguageModelStep open();

    /** Where {@link #start} loops keep the K/V cache: "host", or the device ("CUDA:0", "CPU") for {@link DecodeLoop#DEVICE}. */
    default String kvCacheLocation() {
        return "host";
    }

    /** The naive reference: recomputes every step from the prompt and the tokens so far. */
    LanguageModelStep startReference(LmBatch batch);

    @Override
    void close();
}
