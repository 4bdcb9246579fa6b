package io.blip2stream.api;

/**
 * Milliseconds spent by one request: waiting for its batch, and in each stage of the batch it ran in.
 * {@code total} is from the record's arrival to its result being ready.
 */
public record TimingMs(double queue, double preprocess, double vision, double generate, double total) {
}
