package io.blip2stream.batching;

/**
 * When a micro-batch is cut.
 *
 * @param maxBatchSize most requests per engine call
 * @param maxWaitNanos longest the oldest request of a group waits for batch-mates
 */
public record BatchPolicy(int maxBatchSize, long maxWaitNanos) {

    public BatchPolicy {
        if (maxBatchSize < 1 || maxWaitNanos < 0) {
            throw new IllegalArgumentException("need max-batch-size >= 1 and max-wait >= 0, got "
                    + maxBatchSize + ", " + maxWaitNanos);
        }
    }
}
