package io.blip2stream.onnx;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;

import java.util.Locale;

/**
 * How ONNX Runtime sessions are made.
 *
 * @param device           auto (CUDA if the GPU artifact and a GPU are there), cpu or cuda
 * @param cudaDeviceId     GPU ordinal for the CUDA execution provider
 * @param intraOpThreads   threads inside one operator; 0 = ONNX Runtime's default (all cores)
 * @param interOpThreads   threads across operators; 0 = ONNX Runtime's default
 * @param optimizationLevel graph optimisation level
 * @param allowSpinning    whether idle intra-op threads spin-wait for work: lowest latency on a
 *                         dedicated machine, but burns CPU (and CPU quota) that a shared or
 *                         throttled one needs, where it can cost several times the run time
 * @param decodeLoop       where the decoding loop keeps the K/V cache ({@link DecodeLoop})
 */
public record OrtConfig(Device device, int cudaDeviceId, int intraOpThreads, int interOpThreads,
                        OptLevel optimizationLevel, boolean allowSpinning, DecodeLoop decodeLoop) {

    public OrtConfig {
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0");
        }
        if (decodeLoop == null) {
            throw new IllegalArgumentException("decodeLoop must be given");
        }
        if (cudaDeviceId < 0) {
            throw new IllegalArgumentException("cuda device id must be >= 0");
        }
    }

    /** CPU or CUDA as available, all cores, all optimisations, no spinning, the K/V cache on the decoder's device. */
    public static OrtConfig defaults() {
        return new OrtConfig(Device.AUTO, 0, 0, 0, OptLevel.ALL_OPT, false, DecodeLoop.AUTO);
    }

    public OrtConfig withIntraOpThreads(int threads) {
        return new OrtConfig(device, cudaDeviceId, threads, interOpThreads, optimizationLevel, allowSpinning, decodeLoop);
    }

    public OrtConfig withDevice(Device d) {
        return new OrtConfig(d, cudaDeviceId, intraOpThreads, interOpThreads, optimizationLevel, allowSpinning, decodeLoop);
    }

    public OrtConfig withAllowSpinning(boolean spin) {
        return new OrtConfig(device, cudaDeviceId, intraOpThreads, interOpThreads, optimizationLevel, spin, decodeLoop);
    }

    public OrtConfig withDecodeLoop(DecodeLoop loop) {
        return new OrtConfig(device, cudaDeviceId, intraOpThreads, interOpThreads, optimizationLevel, allowSpinning, loop);
    }

    /** Parses "all", "extended", "basic" or "none". */
    public static OptLevel parseOptLevel(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "all" -> OptLevel.ALL_OPT;
            case "extended" -> OptLevel.EXTENDED_OPT;
            case "basic" -> OptLevel.BASIC_OPT;
            case "none" -> OptLevel.NO_OPT;
            default -> throw new IllegalArgumentException(
                    "optimization level must be all, extended, basic or none, got '" + s + "'");
        };
    }
}
