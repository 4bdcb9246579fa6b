package io.blip2stream.messaging;

import io.blip2stream.ops.EngineMeters;
import io.blip2stream.ops.EngineProducer;
import io.blip2stream.pipeline.InferenceEngine;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;

/** In tests the service runs the real engine (opened as in production) behind a {@link DelayingEngine}. */
public class TestEngineProducer {

    @Produces
    @Singleton
    @Typed(DelayingEngine.class)
    DelayingEngine delaying(ServiceConfig config) {
        return new DelayingEngine(EngineProducer.open(config));
    }

    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    InferenceEngine engine(DelayingEngine delaying, MeterRegistry registry) {
        EngineMeters.register(delaying, registry);
        return delaying;
    }

    void close(@Disposes DelayingEngine engine) {
        engine.close();
    }
}
