package io.blip2stream.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * Continuous batching as a worker drives it: requests are {@link #admit admitted} between steps
 * and leave as they finish, each {@link #step} returning the ones that did. Every admitted key
 * comes out exactly once, as a success or a failure, from {@code admit} (a request that could not
 * start) or from a later {@code step}. Not thread-safe: one worker owns a session.
 *
 * @param <K> the caller's handle of a request
 */
public interface DecodingSession<K> extends AutoCloseable {

    /** A request that left the session, with its outcome. */
    record Completed<K>(K key, InferenceOutcome outcome) {
    }

    /** Requests that may be admitted now (0 while the batch is full or takes no newcomers). */
    int room();

    /** Requests being decoded. */
    int requests();

    /**
     * Vision and prefill of newcomers, which then decode with the running requests.
     *
     * @param keys     one per request of {@code batch}, in order
     * @return the newcomers that could not start (their failures)
     */
    List<Completed<K>> admit(List<K> keys, PreparedBatch batch);

    /** One decoding step of every running request: the ones that finished. */
    List<Completed<K>> step();

    @Override
    void close();

    /**
     * A session over an engine without continuous batching: each admitted batch runs to completion
     * at once ({@link InferenceEngine#infer(PreparedBatch)}) and comes out of the next step.
     */
    static <K> DecodingSession<K> runToCompletion(InferenceEngine engine, int maxRequests) {
        return new DecodingSession<>() {
            private final List<Completed<K>> done = new ArrayList<>();

            @Override
            public int room() {
                return done.isEmpty() ? maxRequests : 0;
            }

            @Override
            public int requests() {
                return done.size();
            }

            @Override
            public List<Completed<K>> admit(List<K> keys, PreparedBatch batch) {
                List<InferenceOutcome> outcomes = engine.infer(batch);
                for (int i = 0; i < keys.size(); i++) {
                    done.add(new Completed<>(keys.get(i), outcomes.get(i)));
                }
                return List.of();
            }

            @Override
            public List<Completed<K>> step() {
                List<Completed<K>> out = List.copyOf(done);
                done.clear();
                return out;
            }

            @Override
            public void close() {
                done.clear();
            }
        };
    }
}
