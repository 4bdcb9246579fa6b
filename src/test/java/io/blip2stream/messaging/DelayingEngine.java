package io.blip2stream.messaging;

import io.blip2stream.pipeline.DecodingSession;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.PreparedBatch;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A decorator over the real engine for tests: adds latency to every batch (to build up back
 * pressure) and throws for any batch holding a request whose id starts with {@link #FAIL_PREFIX}
 * (an engine fault), and throws an {@link Error} while preparing any batch holding a request whose
 * id starts with {@link #PREPARE_ERROR_PREFIX}. Everything else goes to the real engine unchanged.
 *
 * <p>Continuous batching ({@link #openSession}) runs the real engine's session: requests join and
 * leave its running batch between steps. The latency is spread over the steps (each sleeps the
 * batch latency divided by the default {@code max_new_tokens}, so that a request of the default
 * length waits about as long as a static batch); a newcomer whose id starts with
 * {@link #FAIL_PREFIX} makes {@code admit} throw, one starting with {@link #STEP_FAIL_PREFIX} is
 * admitted and makes every later {@code step} of its session throw (a broken session stays
 * broken).
 */
public final class DelayingEngine implements InferenceEngine {

    /** Requests with ids starting with this make the engine throw for their whole batch. */
    public static final String FAIL_PREFIX = "engine-fault-";
    /** Requests with ids starting with this make the engine's preparation throw an {@link Error}. */
    public static final String PREPARE_ERROR_PREFIX = "prepare-error-";
    /**
     * Continuous batching: requests with ids starting with this are admitted, then make the session's
     * steps throw. (A static batch holding one throws, as for {@link #FAIL_PREFIX}, which it starts with.)
     */
    public static final String STEP_FAIL_PREFIX = FAIL_PREFIX + "step-";

    private final InferenceEngine engine;
    /** Decoding steps over which a continuous session spreads the latency of one batch. */
    private final int stepsPerBatch;
    private volatile long delayMillis;
    private final AtomicInteger sessionsOpened = new AtomicInteger();
    private final AtomicInteger sessionsClosed = new AtomicInteger();

    public DelayingEngine(InferenceEngine engine) {
        this.engine = engine;
        this.stepsPerBatch = Math.max(1, engine.defaultOptions().maxNewTokens());
    }

    /**
     * Latency added to every batch from now on: a static batch sleeps it once, a step of a
     * continuous session a {@code 1 / max_new_tokens} share of it.
     */
    public void delayMillis(long millis) {
        this.delayMillis = millis;
    }

    /** Latency added to every step of a continuous session from now on (and to static batches, scaled up alike). */
    public void delayEachStepMillis(long millis) {
        this.delayMillis = millis * stepsPerBatch;
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

    /** The real engine's combination of batches prepared apart (requests prepared ahead of their admission). */
    @Override
    public PreparedBatch combine(List<PreparedBatch> parts) {
        return engine.combine(parts);
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
        sleep(TimeUnit.MILLISECONDS.toNanos(delayMillis));
    }

    private static void sleep(long nanos) {
        if (nanos > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The real engine's continuous-batching session, with latency and faults per step. */
    @Override
    public <K> DecodingSession<K> openSession(int maxRequests) {
        DecodingSession<K> session = new DelayingSession<>(engine.openSession(maxRequests));
        sessionsOpened.incrementAndGet();
        return session;
    }

    /** Sessions opened so far. */
    public int sessionsOpened() {
        return sessionsOpened.get();
    }

    /** Sessions opened and not closed. */
    public int sessionsOpen() {
        return sessionsOpened.get() - sessionsClosed.get();
    }

    private final class DelayingSession<K> implements DecodingSession<K> {
        private final DecodingSession<K> session;
        private boolean broken;
        private boolean closed;

        DelayingSession(DecodingSession<K> session) {
            this.session = session;
        }

        @Override
        public int room() {
            return session.room();
        }

        @Override
        public int requests() {
            return session.requests();
        }

        @Override
        public List<Completed<K>> admit(List<K> keys, PreparedBatch batch) {
            List<InferenceRequest> newcomers = batch.requests();
            if (newcomers.stream().anyMatch(r -> r.id().startsWith(FAIL_PREFIX) && !r.id().startsWith(STEP_FAIL_PREFIX))) {
                throw new IllegalStateException("engine fault injected while admitting " + newcomers.size()
                        + " newcomers beside " + session.requests() + " running requests");
            }
            List<Completed<K>> failed = session.admit(keys, batch);
            if (newcomers.stream().anyMatch(r -> r.id().startsWith(STEP_FAIL_PREFIX))) {
                broken = true;
            }
            return failed;
        }

        @Override
        public List<Completed<K>> step() {
            if (broken) {
                throw new IllegalStateException("engine fault injected into a step of " + session.requests()
                        + " requests");
            }
            sleep(TimeUnit.MILLISECONDS.toNanos(delayMillis) / stepsPerBatch);
            return session.step();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                sessionsClosed.incrementAndGet();
            }
            session.close();
        }
    }

    @Override
    public io.blip2stream.pipeline.EngineStats.Snapshot stats() {
        return engine.stats();
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
