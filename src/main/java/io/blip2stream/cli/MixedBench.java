package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.batching.BatchPolicy;
import io.blip2stream.batching.BatchState;
import io.blip2stream.batching.BatchWorkers;
import io.blip2stream.pipeline.DecodingSession;
import io.blip2stream.pipeline.EngineStats;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.LazySession;
import io.blip2stream.pipeline.PreparedBatch;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The mixed workload ({@link MixedWorkload}) through the service's own inference worker
 * ({@link BatchWorkers}), once with static micro-batches and once with continuous batching, at the
 * same maximum batch: requests arrive as a backlog or at a fixed rate, each is timed from its
 * arrival to its outcome. No Kafka: the scheduler and the engine only.
 */
final class MixedBench {

    /** A request of the run: its class, and when it arrived and finished. */
    private record Job(int index, MixedWorkload.RequestClass cls, InferenceRequest request) {
    }

    private record Staged(List<BatchState.Entry<Job>> batch, PreparedBatch prepared) {
    }

    private final InferenceEngine engine;
    private final MixedWorkload workload;
    private final BatchPolicy policy;
    private final int joinChunk;
    private final List<byte[]> images;

    MixedBench(InferenceEngine engine, MixedWorkload workload, int maxBatch, Duration maxWait, int joinChunk,
               List<byte[]> images) {
        this.engine = engine;
        this.workload = workload;
        this.policy = new BatchPolicy(maxBatch, maxWait.toNanos());
        this.joinChunk = joinChunk;
        this.images = images;
    }

    /**
     * How micro-batches are cut: static per options (the service's static mode: a micro-batch holds
     * requests with equal options, so equal lengths here), static in arrival order (mixed lengths
     * decoded as one batch until its longest ends), or continuous batching.
     */
    enum Scheduler {
        STATIC("static"), STATIC_FIFO("static-fifo"), CONTINUOUS("continuous");

        final String key;

        Scheduler(String key) {
            this.key = key;
        }
    }

    /** {@code n} requests with {@code scheduler}, arriving at {@code ratePerS} (0: all at once). */
    MixedRun run(Scheduler scheduler, int n, double ratePerS) {
        List<MixedWorkload.RequestClass> classes = workload.sequence(n);
        long[] arrived = new long[n];
        long[] done = new long[n];
        Map<Integer, RuntimeException> failures = new ConcurrentHashMap<>();
        CountDownLatch finished = new CountDownLatch(n);
        Completion completion = (job, outcome, at) -> {
            if (outcome instanceof InferenceOutcome.Failure f) {
                failures.put(job.index(), f.error());
            } else if (((InferenceOutcome.Success) outcome).sequences().getFirst().tokenIds().length != job.cls().newTokens()) {
                failures.put(job.index(), new IllegalStateException(job.cls().name() + " generated "
                        + ((InferenceOutcome.Success) outcome).sequences().getFirst().tokenIds().length + " tokens"));
            }
            done[job.index()] = at;
            finished.countDown();
        };
        Continuous continuous = scheduler == Scheduler.CONTINUOUS ? new Continuous(completion) : null;
        BatchWorkers<Job, Staged> workers = continuous != null
                ? BatchWorkers.continuous(policy, joinChunk, continuous)
                : new BatchWorkers<>(policy, new Static(completion));
        workers.start(1, "bench-" + scheduler.key);
        try {
            EngineStats.Snapshot before = engine.stats();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                MixedWorkload.awaitArrival(t0, i, ratePerS);
                MixedWorkload.RequestClass c = classes.get(i);
                byte[] image = images.isEmpty() ? BenchImages.png(i) : images.get(i % images.size());
                Job job = new Job(i, c, new InferenceRequest("mixed-" + i, image, c.prompt(), c.options()));
                arrived[i] = System.nanoTime();
                Object key = scheduler == Scheduler.STATIC ? c.options().batchKey() : "all";
                workers.submit(job, key, arrived[i], arrived[i] + TimeUnit.HOURS.toNanos(1));
            }
            if (!finished.await(1, TimeUnit.HOURS)) {
                throw new Blip2Exception(ErrorCode.INFERENCE_FAILED, "the run did not finish within an hour");
            }
            if (!failures.isEmpty()) {
                RuntimeException first = failures.values().iterator().next();
                throw new Blip2Exception(ErrorCode.INFERENCE_FAILED, failures.size() + " requests failed, e.g.: "
                        + first.getMessage(), first);
            }
            return MixedRun.of(scheduler.key, ratePerS, workload, classes, t0, arrived, done)
                    .withStages(engine.stats().minus(before));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Blip2Exception(ErrorCode.INFERENCE_FAILED, "interrupted");
        } finally {
            try {
                workers.drainAndStop(TimeUnit.MINUTES.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers.close();
            if (continuous != null) {
                continuous.close();
            }
        }
    }

    private interface Completion {
        void done(Job job, InferenceOutcome outcome, long atNanos);
    }

    private abstract class Preparing {
        final Completion completion;

        Preparing(Completion completion) {
            this.completion = completion;
        }

        public Staged prepare(List<BatchState.Entry<Job>> batch) {
            return new Staged(batch, engine.prepare(batch.stream().map(e -> e.item().request()).toList()));
        }

        public void failed(List<BatchState.Entry<Job>> batch, Throwable why) {
            Blip2Exception e = new Blip2Exception(ErrorCode.INFERENCE_FAILED, String.valueOf(why), why);
            batch.forEach(x -> completion.done(x.item(), new InferenceOutcome.Failure(x.item().request().id(), e),
                    System.nanoTime()));
        }

        public void expired(List<BatchState.Entry<Job>> expired) {
            failed(expired, new IllegalStateException("expired"));
        }
    }

    /** Static micro-batches: each runs to its end. */
    private final class Static extends Preparing implements BatchWorkers.Handler<Job, Staged> {
        Static(Completion completion) {
            super(completion);
        }

        @Override
        public void run(Staged staged) {
            List<InferenceOutcome> outcomes = engine.infer(staged.prepared());
            long now = System.nanoTime();
            for (int i = 0; i < outcomes.size(); i++) {
                completion.done(staged.batch().get(i).item(), outcomes.get(i), now);
            }
        }
    }

    /** Continuous batching: one running session. */
    private final class Continuous extends Preparing implements BatchWorkers.Stepper<Job, Staged> {
        private final LazySession<Job> session = new LazySession<>(() -> engine.openSession(policy.maxBatchSize()));

        Continuous(Completion completion) {
            super(completion);
        }

        @Override
        public int room() {
            return session.room();
        }

        @Override
        public boolean preparesAhead() {
            return true;
        }

        @Override
        public Staged combine(List<Staged> parts) {
            return new Staged(parts.stream().flatMap(p -> p.batch().stream()).toList(),
                    engine.combine(parts.stream().map(Staged::prepared).toList()));
        }

        @Override
        public int running() {
            return session.requests();
        }

        @Override
        public void admit(Staged staged) {
            report(session.admit(staged.batch().stream().map(BatchState.Entry::item).toList(), staged.prepared()));
        }

        @Override
        public void step() {
            report(session.step());
        }

        void close() {
            session.close();
        }

        private void report(List<DecodingSession.Completed<Job>> done) {
            long now = System.nanoTime();
            done.forEach(c -> completion.done(c.key(), c.outcome(), now));
        }
    }
}
