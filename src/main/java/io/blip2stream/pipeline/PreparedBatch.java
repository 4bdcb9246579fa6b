package io.blip2stream.pipeline;

import java.util.List;

/**
 * A micro-batch after {@link InferenceEngine#prepare}: its requests, plus whatever work the engine
 * could do ahead without the device. Immutable once made, so it may be handed to another thread.
 */
public interface PreparedBatch {

    /** The batch's requests, in order. */
    List<InferenceRequest> requests();

    /** A batch with nothing done ahead: {@link InferenceEngine#infer(PreparedBatch)} does all the work. */
    static PreparedBatch unprepared(List<InferenceRequest> requests) {
        return new Unprepared(List.copyOf(requests));
    }

    /** The batch of an engine that prepares nothing ahead. */
    record Unprepared(List<InferenceRequest> requests) implements PreparedBatch {
    }
}
