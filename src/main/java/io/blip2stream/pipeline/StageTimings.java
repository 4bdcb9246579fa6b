package io.blip2stream.pipeline;

/** Wall time of each stage for the micro-batch a request ran in, in milliseconds. */
public record StageTimings(double preprocessMs, double visionMs, double generateMs, double decodeMs) {
    public double totalMs() {
        return preprocessMs + visionMs + generateMs + decodeMs;
    }
}
