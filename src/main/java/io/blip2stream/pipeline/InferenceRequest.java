package io.blip2stream.pipeline;

import io.blip2stream.pipeline.generate.GenerationOptions;

/**
 * One unit of work for the engine.
 *
 * @param id      caller's id, echoed in the outcome
 * @param image   encoded image bytes (JPEG, PNG, GIF, BMP, WebP)
 * @param prompt  what to ask
 * @param options generation settings
 */
public record InferenceRequest(String id, byte[] image, Prompt prompt, GenerationOptions options) {
}
