package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.Device;
import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.pipeline.EngineConfig;

import java.util.List;


/**
 * Engine options shared by the commands: {@code --threads N}, {@code --device auto|cpu|cuda},
 * {@code --decode-loop auto|host|device}, {@code --allow-spinning}.
 */
final class EngineOptions {
    static final List<CliOption> OPTIONS = List.of(
            CliOption.valued("--threads", "N", "ONNX Runtime intra-op threads (default 0: one per core)"),
            CliOption.valued("--device", "auto|cpu|cuda", "where the graphs run (default auto: CUDA when present)"),
            CliOption.valued("--decode-loop", "auto|host|device",
                    "K/V cache between decode steps: host memory or bound on the device (default auto)"),
            CliOption.flag("--allow-spinning", "let ONNX Runtime threads spin between runs (faster, busier)"));

    private EngineOptions() {
    }

    /** @throws Blip2Exception INVALID_REQUEST naming the option for a value it does not take */
    static EngineConfig config(CliArgs a, int visionCacheSize) {
        int threads = a.getInt("--threads", 0);
        if (threads < 0) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "--threads " + threads + " is below the minimum 0", 0L, null);
        }
        Device device = parse("--device", a.get("--device", "auto"), Device::parse, "auto, cpu or cuda");
        DecodeLoop loop = parse("--decode-loop", a.get("--decode-loop", "auto"), DecodeLoop::parse, "auto, host or device");
        OrtConfig ort = OrtConfig.defaults()
                .withIntraOpThreads(threads)
                .withDevice(device)
                .withAllowSpinning(a.has("--allow-spinning"))
                .withDecodeLoop(loop);
        return EngineConfig.defaults().withOrt(ort).withVisionCacheSize(visionCacheSize);
    }

    private static <T> T parse(String option, String value, java.util.function.Function<String, T> parser, String choices) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException e) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, option + " must be " + choices + ", got '" + value + "'", e);
        }
    }
}
