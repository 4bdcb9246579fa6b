package io.blip2stream.pipeline;

import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.imaging.ImageLimits;

/**
 * Settings of a {@link Blip2Engine} that are not in the bundle (from the configuration:
 * {@code io.blip2stream.config.EngineSettings}).
 *
 * @param ort              ONNX Runtime sessions: device, threads, optimisation level
 * @param imageLimits      encoded bytes / pixels / side limits, checked before decoding
 * @param visionCacheSize  images whose vision output is kept (LRU); 0 disables the cache
 * @param visionMaxBatch   most images per vision graph run
 * @param maxPromptTokens  most text tokens per prompt; 0 = the tokenizer's model_max_length - Q
 */
public record EngineConfig(OrtConfig ort, ImageLimits imageLimits, int visionCacheSize, int visionMaxBatch,
                           int maxPromptTokens) {

    public EngineConfig {
        if (visionCacheSize < 0 || visionMaxBatch < 1 || maxPromptTokens < 0) {
            throw new IllegalArgumentException("need vision-cache-size >= 0, vision-max-batch >= 1, max-prompt-tokens >= 0");
        }
    }

    public static EngineConfig defaults() {
        return new EngineConfig(OrtConfig.defaults(), ImageLimits.defaults(), 256, 32, 0);
    }

    public EngineConfig withOrt(OrtConfig o) {
        return new EngineConfig(o, imageLimits, visionCacheSize, visionMaxBatch, maxPromptTokens);
    }

    public EngineConfig withVisionCacheSize(int size) {
        return new EngineConfig(ort, imageLimits, size, visionMaxBatch, maxPromptTokens);
    }
}
