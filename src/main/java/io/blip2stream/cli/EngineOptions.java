package io.blip2stream.cli;

import io.blip2stream.config.EngineSettings;
import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.Device;
import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.pipeline.EngineConfig;

import java.util.Set;

/**
 * Engine options shared by the commands: {@code --threads N}, {@code --device auto|cpu|cuda},
 * {@code --decode-loop auto|host|device}, {@code --allow-spinning}, each over the engine settings
 * of application.properties and the environment ({@code blip2.onnx.intra-op-threads},
 * {@code blip2.device}, {@code blip2.decode-loop}, {@code blip2.onnx.allow-spinning}, …), as the
 * service reads them.
 */
final class EngineOptions {
    static final Set<String> VALUED = Set.of("--threads", "--device", "--decode-loop");
    static final Set<String> FLAGS = Set.of("--allow-spinning");

    private EngineOptions() {
    }

    /** The configured engine settings, the options given over them. */
    static EngineConfig config(CliArgs a) {
        return config(a, EngineSettings.of(CliConfig.settings()));
    }

    static EngineConfig config(CliArgs a, EngineConfig configured) {
        OrtConfig ort = configured.ort().withIntraOpThreads(a.getInt("--threads", configured.ort().intraOpThreads()));
        if (a.has("--device")) {
            ort = ort.withDevice(Device.parse(a.get("--device", null)));
        }
        if (a.has("--decode-loop")) {
            ort = ort.withDecodeLoop(DecodeLoop.parse(a.get("--decode-loop", null)));
        }
        if (a.has("--allow-spinning")) {
            ort = ort.withAllowSpinning(true);
        }
        return configured.withOrt(ort);
    }
}
