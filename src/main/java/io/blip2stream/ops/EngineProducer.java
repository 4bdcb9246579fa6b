package io.blip2stream.ops;

import io.blip2stream.config.EngineSettings;
import io.blip2stream.messaging.ServiceConfig;
import io.blip2stream.pipeline.Blip2Engine;
import io.blip2stream.pipeline.InferenceEngine;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Opens the engine once, from {@code blip2.bundle} with the engine's configuration keys
 * ({@link EngineSettings#of}), with its stage counters on the metrics ({@link EngineMeters}), and
 * closes it at shutdown.
 */
public class EngineProducer {

    @Produces
    @Singleton
    InferenceEngine engine(ServiceConfig config, MeterRegistry registry) {
        InferenceEngine engine = open(config);
        EngineMeters.register(engine, registry);
        return engine;
    }

    void close(@Disposes InferenceEngine engine) {
        engine.close();
    }

    /** The engine as the service runs it. */
    public static InferenceEngine open(ServiceConfig config) {
        return Blip2Engine.open(config.bundle(), EngineSettings.of(config.settings()));
    }
}
