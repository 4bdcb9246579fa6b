package io.blip2stream.pipeline;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.pipeline.generate.FinishReason;

import java.util.List;

/** The engine's answer for one request: never an exception for a single bad request. */
public sealed interface InferenceOutcome {

    String id();

    /** @param sequences best first; size = num_return_sequences */
    record Success(String id, List<Sequence> sequences, int batchSize, StageTimings timings, boolean visionCacheHit)
            implements InferenceOutcome {
        public Success {
            sequences = List.copyOf(sequences);
        }
    }

    record Failure(String id, Blip2Exception error) implements InferenceOutcome {
    }

    /** @param tokenIds new tokens only; @param text decoded without special tokens */
    record Sequence(int[] tokenIds, String text, FinishReason finishReason) {
    }
}
