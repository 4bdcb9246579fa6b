package io.blip2stream.messaging;

import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.PreparedBatch;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A decorator over the real engine for tests: adds latency to every batch (to build up back
 * pressure) and throws for any batch holding a request whose id starts with {@link #FAIL_PREFIX}
 * (an engine fault), and throws an {@link Error} while preparing any batch holding a request whose
 * id starts with {@link #PREPARE_ERROR_PREFIX}. Everything else goes to the real engine unchanged.
 */
public final class DelayingEngine implements InferenceEngine {

    /** Requests with ids starting with this make the engine throw for their whole batch. */
    public static final String FAIL_PREFIX = "engine-fault-";
    /** Requests with ids starting with this make the engine's preparation throw an {@link Error}. */
    public static final String PREPARE_ERROR_PREFIX = "prepare-error-";

    private final InferenceEngine engine;
    private volatile long delayMillis;

    public DelayingEngine(InferenceEngine engine) {
        this.engine = engine;
    }

    /** Latency added to every batch from now on. */
    public void delayMillis(long millis) {
        this.delayMillis = millis;
    }

    @Override
    public List<InferenceOutcome> infer(List<InferenceRequest> batch) {
        faultAndDelay(batch);
        return engine.infer(batch);
    }

    /** The real engine's preparation (it runs ahead on the workers' preparation thread). */
    @Override
    public PreparedBatch prepare(List<InferenceRequest> batch) {
        if (batch.stream().anyMatch(r -> r.id().startsWith(PREPARE_ERROR_PREFIX))) {
            throw new NoClassDefFoundError("an error injected into the preparation of a batch of " + batch.size());
        }
        return engine.prepare(batch);
    }

    @Override
    public List<InferenceOutcome> infer(PreparedBatch batch) {
        faultAndDelay(batch.requests());
        return engine.infer(batch);
    }

    private void faultAndDelay(List<InferenceRequest> batch) {
        if (batch.stream().anyMatch(r -> r.id().startsWith(FAIL_PREFIX))) {
            throw new IllegalStateException("engine fault injected for a batch of " + batch.size());
        }
        long delay = delayMillis;
        if (delay > 0) {
            try {
                TimeUnit.MILLISECONDS.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String modelName() {
        return engine.modelName();
    }

    @Override
    public GenerationOptions defaultOptions() {
        return engine.defaultOptions();
    }

    @Override
    public void close() {
        engine.close();
    }
}
