package io.blip2stream.messaging;

import io.blip2stream.api.Task;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;

/**
 * A validated request on its way to the engine.
 *
 * @param image          encoded image bytes; null while a claim-check URL is still to be fetched
 * @param imageUrl       the claim-check URL, or null for inline images
 * @param receivedNanos  when the record arrived ({@link System#nanoTime()})
 * @param deadlineNanos  when it expires unless it is in a batch by then
 */
public record ServiceRequest(String id, Task task, Prompt prompt, GenerationOptions options, boolean returnTokenIds,
                             byte[] image, String imageUrl, IncomingRecord origin, long receivedNanos,
                             long deadlineNanos) {

    public boolean needsFetch() {
        return image == null;
    }

    public ServiceRequest withImage(byte[] bytes) {
        return new ServiceRequest(id, task, prompt, options, returnTokenIds, bytes, imageUrl, origin, receivedNanos,
                deadlineNanos);
    }

    public InferenceRequest toInference() {
        return new InferenceRequest(id, image, prompt, options);
    }
}
