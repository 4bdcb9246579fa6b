package io.blip2stream.pipeline;

import io.blip2stream.pipeline.generate.GenerationOptions;

import java.util.List;

/**
 * The BLIP-2 pipeline as the service sees it: a micro-batch of requests in, one outcome per
 * request out, in the same order. A bad request yields a {@link InferenceOutcome.Failure} and
 * never fails its batch-mates. Calls to {@code infer} are serialised by the caller (one worker per
 * device); {@code prepare} may run on another thread meanwhile.
 */
public interface InferenceEngine extends AutoCloseable {

    List<InferenceOutcome> infer(List<InferenceRequest> batch);

    /**
     * The CPU work of a batch that needs no device (an engine's choice: prompt tokenisation, image
     * decoding and resizing), done now, so that a caller may prepare the next batch on another
     * thread while this engine runs the current one. {@code infer(prepare(b))} equals
     * {@code infer(b)}. Never throws for a bad request: its failure comes out of {@code infer}.
     */
    default PreparedBatch prepare(List<InferenceRequest> batch) {
        return PreparedBatch.unprepared(batch);
    }

    /**
     * Batches from {@link #prepare}, made apart, as one batch of their requests in order (requests
     * prepared one by one ahead of their admission, then admitted together). {@code infer(combine(
     * prepare(a), prepare(b)))} equals {@code infer(a + b)}. This default prepares nothing: the
     * batch is worked out when it runs.
     */
    default PreparedBatch combine(List<PreparedBatch> parts) {
        return PreparedBatch.unprepared(parts.stream().flatMap(p -> p.requests().stream()).toList());
    }

    /** Runs a batch from {@link #prepare}, as {@link #infer(List)} runs its requests. */
    default List<InferenceOutcome> infer(PreparedBatch batch) {
        return infer(batch.requests());
    }

    /**
     * A continuous-batching session of at most {@code maxRequests} requests decoding together, for
     * one worker. An engine without it runs each admitted batch to completion.
     */
    default <K> DecodingSession<K> openSession(int maxRequests) {
        return DecodingSession.runToCompletion(this, maxRequests);
    }

    /** Where the engine's time went since it was built (vision, prefills, decoding steps); zero when it keeps no counts. */
    default EngineStats.Snapshot stats() {
        return EngineStats.Snapshot.ZERO;
    }

    /** Name of the loaded model (manifest name). */
    String modelName();

    /** Generation settings when a request sets none (the bundle's generation defaults). */
    GenerationOptions defaultOptions();

    @Override
    void close();
}
