package io.blip2stream.pipeline.generate;

/**
 * One returned sequence.
 *
 * @param tokenIds new tokens only (no prompt, no decoder start, no padding); the final eos is
 *                 included when generation stopped on it
 * @param score    beam score (sum of log-probs / length^length_penalty) or NaN for greedy/sampling
 */
public record GeneratedSequence(int[] tokenIds, FinishReason finishReason, double score) {
}
