package io.blip2stream.ops;

import io.blip2stream.pipeline.EngineStats;
import io.blip2stream.pipeline.InferenceEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.function.ToDoubleFunction;

/**
 * The engine's stage counters ({@link EngineStats}) as Micrometer counters, read at each scrape:
 * {@code blip2_engine_vision_{runs,images,seconds}_total},
 * {@code blip2_engine_prefill_{runs,rows,seconds}_total},
 * {@code blip2_engine_decode_{steps,rows,seconds}_total} and
 * {@code blip2_engine_reorder_seconds_total}. Rows per decoding step (the rate of
 * {@code decode_rows} over the rate of {@code decode_steps}) is how full the batch runs.
 */
public final class EngineMeters {
    private EngineMeters() {
    }

    public static void register(InferenceEngine engine, MeterRegistry registry) {
        counter(registry, engine, "blip2.engine.vision.runs", "vision stage runs", null, s -> s.visionRuns());
        counter(registry, engine, "blip2.engine.vision.images", "images through the vision stage", null,
                s -> s.visionImages());
        counter(registry, engine, "blip2.engine.vision.seconds", "time in vision graph runs",
                "seconds", s -> s.visionNanos() / 1e9);
        counter(registry, engine, "blip2.engine.prefill.runs", "language-model runs over prompts", null,
                s -> s.prefillRuns());
        counter(registry, engine, "blip2.engine.prefill.rows", "prompts through the language model", null,
                s -> s.prefillRows());
        counter(registry, engine, "blip2.engine.prefill.seconds", "time in prefills (continuous: with the cache join)",
                "seconds", s -> s.prefillNanos() / 1e9);
        counter(registry, engine, "blip2.engine.decode.steps", "decoder runs of one token per row", null,
                s -> s.steps());
        counter(registry, engine, "blip2.engine.decode.rows", "rows in decoder runs", null, s -> s.stepRows());
        counter(registry, engine, "blip2.engine.decode.seconds", "time in decoder runs", "seconds",
                s -> s.stepNanos() / 1e9);
        counter(registry, engine, "blip2.engine.reorder.seconds", "time reordering the K/V cache (rows leaving, beams)",
                "seconds", s -> s.reorderNanos() / 1e9);
    }

    private static void counter(MeterRegistry registry, InferenceEngine engine, String name, String description,
                                String unit, ToDoubleFunction<EngineStats.Snapshot> read) {
        FunctionCounter.Builder<InferenceEngine> b = FunctionCounter.builder(name, engine, e -> read.applyAsDouble(e.stats()))
                .description(description);
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(registry);
    }
}
