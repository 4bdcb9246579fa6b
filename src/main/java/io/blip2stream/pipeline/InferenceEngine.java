package io.blip2stream.pipeline;

import io.blip2stream.pipeline.generate.GenerationOptions;

import java.util.List;

/**
 * The BLIP-2 pipeline as the service sees it: a micro-batch of requests in, one outcome per
 * request out, in the same order. A bad request yields a {@link InferenceOutcome.Failure} and
 * never fails its batch-mates. Calls are serialised by the caller (one worker per device).
 */
public interface InferenceEngine extends AutoCloseable {

    List<InferenceOutcome> infer(List<InferenceRequest> batch);

    /** Name of the loaded model (manifest name). */
    String modelName();

    /** Generation settings when a request sets none (the bundle's generation defaults). */
    GenerationOptions defaultOptions();

    @Override
    void close();
}
