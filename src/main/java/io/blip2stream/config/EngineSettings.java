package io.blip2stream.config;

import io.blip2stream.imaging.ImageLimits;
import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.Device;
import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.pipeline.EngineConfig;

/** The engine's settings from the configuration, for the service and the commands alike. */
public final class EngineSettings {

    private EngineSettings() {
    }

    /**
     * {@code blip2.device}, {@code blip2.cuda.device-id}, {@code blip2.decode-loop},
     * {@code blip2.onnx.*}, {@code blip2.image.*}, {@code blip2.vision-cache.size},
     * {@code blip2.vision.max-batch} and {@code blip2.max-prompt-tokens}.
     *
     * @throws IllegalArgumentException for an unknown device, decode loop or optimisation level
     */
    public static EngineConfig of(Blip2Config c) {
        OrtConfig ort = new OrtConfig(Device.parse(c.device()), c.cuda().deviceId(), c.onnx().intraOpThreads(),
                c.onnx().interOpThreads(), OrtConfig.parseOptLevel(c.onnx().optimizationLevel()),
                c.onnx().allowSpinning(), DecodeLoop.parse(c.decodeLoop()));
        ImageLimits limits = new ImageLimits(c.image().maxBytes(), c.image().maxPixels(), c.image().maxSide(),
                c.image().maxMetadataBytes());
        return new EngineConfig(ort, limits, c.visionCache().size(), c.vision().maxBatch(), c.maxPromptTokens());
    }
}
