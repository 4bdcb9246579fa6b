package io.blip2stream.pipeline;

import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.Device;
import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.imaging.ImageLimits;
import org.eclipse.microprofile.config.Config;

/**
 * Settings of a {@link Blip2Engine} that are not in the bundle.
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

    /**
     * From the service configuration: the {@code blip2.device}, {@code blip2.onnx.*},
     * {@code blip2.decode-loop}, {@code blip2.vision*}, {@code blip2.max-prompt-tokens} and {@code blip2.image.*} keys of
     * application.properties, each defaulting to {@link #defaults()}.
     */
    public static EngineConfig from(Config c) {
        EngineConfig d = defaults();
        OrtConfig ort = new OrtConfig(
                Device.parse(c.getOptionalValue("blip2.device", String.class).orElse("auto")),
                c.getOptionalValue("blip2.cuda.device-id", Integer.class).orElse(0),
                c.getOptionalValue("blip2.onnx.intra-op-threads", Integer.class).orElse(0),
                c.getOptionalValue("blip2.onnx.inter-op-threads", Integer.class).orElse(0),
                OrtConfig.parseOptLevel(c.getOptionalValue("blip2.onnx.optimization-level", String.class).orElse("all")),
                c.getOptionalValue("blip2.onnx.allow-spinning", Boolean.class).orElse(false),
                DecodeLoop.parse(c.getOptionalValue("blip2.decode-loop", String.class).orElse("auto")));
        ImageLimits limits = new ImageLimits(
                c.getOptionalValue("blip2.image.max-bytes", Long.class).orElse(d.imageLimits().maxEncodedBytes()),
                c.getOptionalValue("blip2.image.max-pixels", Long.class).orElse(d.imageLimits().maxPixels()),
                c.getOptionalValue("blip2.image.max-side", Integer.class).orElse(d.imageLimits().maxSide()));
        return new EngineConfig(ort, limits,
                c.getOptionalValue("blip2.vision-cache.size", Integer.class).orElse(d.visionCacheSize()),
                c.getOptionalValue("blip2.vision.max-batch", Integer.class).orElse(d.visionMaxBatch()),
                c.getOptionalValue("blip2.max-prompt-tokens", Integer.class).orElse(d.maxPromptTokens()));
    }

    public EngineConfig withOrt(OrtConfig o) {
        return new EngineConfig(o, imageLimits, visionCacheSize, visionMaxBatch, maxPromptTokens);
    }

    public EngineConfig withVisionCacheSize(int size) {
        return new EngineConfig(ort, imageLimits, size, visionMaxBatch, maxPromptTokens);
    }
}
