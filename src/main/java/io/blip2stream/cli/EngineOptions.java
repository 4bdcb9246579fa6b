package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.config.EngineSettings;
import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.Device;
import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.pipeline.EngineConfig;

import java.util.List;
import java.util.function.Function;

/**
 * Engine options shared by the commands: {@code --threads N}, {@code --device auto|cpu|cuda},
 * {@code --decode-loop auto|host|device}, {@code --allow-spinning}, each over the engine settings
 * of application.properties and the environment ({@code blip2.onnx.intra-op-threads},
 * {@code blip2.device}, {@code blip2.decode-loop}, {@code blip2.onnx.allow-spinning}, …), as the
 * service reads them.
 */
final class EngineOptions {
    static final List<CliOption> OPTIONS = List.of(
            CliOption.valued("--threads", "N", "ONNX Runtime intra-op threads (default: BLIP2_INTRA_OP_THREADS, 0 = one per core)"),
            CliOption.valued("--device", "auto|cpu|cuda", "where the graphs run (default: BLIP2_DEVICE, auto = CUDA when present)"),
            CliOption.valued("--decode-loop", "auto|host|device",
                    "K/V cache between decode steps: host memory or bound on the device (default: BLIP2_DECODE_LOOP, auto)"),
            CliOption.flag("--allow-spinning", "let ONNX Runtime threads spin between runs (faster, busier)"));

    private EngineOptions() {
    }

    /** The configured engine settings, the options given over them. */
    static EngineConfig config(CliArgs a) {
        return config(a, EngineSettings.of(CliConfig.settings()));
    }

    /** @throws Blip2Exception INVALID_REQUEST naming the option for a value it does not take */
    static EngineConfig config(CliArgs a, EngineConfig configured) {
        int threads = a.getInt("--threads", configured.ort().intraOpThreads());
        if (threads < 0) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "--threads " + threads + " is below the minimum 0", 0L, null);
        }
        OrtConfig ort = configured.ort().withIntraOpThreads(threads);
        if (a.has("--device")) {
            ort = ort.withDevice(parse("--device", a.get("--device", null), Device::parse, "auto, cpu or cuda"));
        }
        if (a.has("--decode-loop")) {
            ort = ort.withDecodeLoop(parse("--decode-loop", a.get("--decode-loop", null), DecodeLoop::parse,
                    "auto, host or device"));
        }
        if (a.has("--allow-spinning")) {
            ort = ort.withAllowSpinning(true);
        }
        return configured.withOrt(ort);
    }

    private static <T> T parse(String option, String value, Function<String, T> parser, String choices) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, option + " must be " + choices + ", got '" + value + "'", e);
        }
    }
}
