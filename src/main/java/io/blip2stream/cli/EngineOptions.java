package io.blip2stream.cli;

import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.Device;
import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.pipeline.EngineConfig;

import java.util.Set;

/**
 * Engine options shared by the commands: {@code --threads N}, {@code --device auto|cpu|cuda},
 * {@code --decode-loop auto|host|device}, {@code --allow-spinning}.
 */
final class EngineOptions {
    static final Set<String> VALUED = Set.of("--threads", "--device", "--decode-loop");
    static final Set<String> FLAGS = Set.of("--allow-spinning");

    private EngineOptions() {
    }

    static EngineConfig config(CliArgs a, int visionCacheSize) {
        OrtConfig ort = OrtConfig.defaults()
                .withIntraOpThreads(a.getInt("--threads", 0))
                .withDevice(Device.parse(a.get("--device", "auto")))
                .withAllowSpinning(a.has("--allow-spinning"))
                .withDecodeLoop(DecodeLoop.parse(a.get("--decode-loop", "auto")));
        return EngineConfig.defaults().withOrt(ort).withVisionCacheSize(visionCacheSize);
    }
}
