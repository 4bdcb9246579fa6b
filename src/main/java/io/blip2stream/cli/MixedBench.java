package io.blip2stream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.batching.BatchPolicy;
import io.blip2stream.batching.BatchState;
import io.blip2stream.batching.BatchWorkers;
import io.blip2stream.pipeline.DecodingSession;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.PreparedBatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The mixed workload ({@link MixedWorkload}) through the service's own inference worker
 * ({@link BatchWorkers}), once with static micro-batches and once with continuous batching, at the
 * same maximum batch: requests arrive as a backlog or at a fixed rate, each is timed from its
 * arrival to its outcome. No Kafka: the scheduler and the engine only.
 */
final class MixedBench {

    /**
     * One run.
     *
     * @param ratePerS  arrivals per second, 0 for a backlog
     * @param latencyMs per class: p50, p95 of arrival → outcome
     */
    record Run(Scheduler mode, double ratePerS, int requests, double wallS, double requestsPerS, double tokensPerS,
               Map<String, double[]> latencyMs) {
    }

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
    Run run(Scheduler scheduler, int n, double ratePerS) {
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
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long at = t0 + MixedWorkload.arrivalNanos(i, ratePerS);
                long wait;
                while ((wait = at - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
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
            long end = Arrays.stream(done).max().orElseThrow();
            double wallS = (end - t0) / 1e9;
            Map<String, double[]> latency = new LinkedHashMap<>();
            for (MixedWorkload.RequestClass c : workload.classes()) {
                double[] ms = new double[(int) classes.stream().filter(c::equals).count()];
                int k = 0;
                for (int i = 0; i < n; i++) {
                    if (classes.get(i).equals(c)) {
                        ms[k++] = (done[i] - arrived[i]) / 1e6;
                    }
                }
                Arrays.sort(ms);
                latency.put(c.name(), new double[]{BenchCommand.percentile(ms, 50), BenchCommand.percentile(ms, 95)});
            }
            return new Run(scheduler, ratePerS, n, wallS, n / wallS, workload.tokens(n) / wallS, latency);
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
        private DecodingSession<Job> session;

        Continuous(Completion completion) {
            super(completion);
        }

        private DecodingSession<Job> session() {
            if (session == null) {
                session = engine.openSession(policy.maxBatchSize());
            }
            return session;
        }

        @Override
        public int room() {
            return session().room();
        }

        @Override
        public int running() {
            return session == null ? 0 : session.requests();
        }

        @Override
        public void admit(Staged staged) {
            report(session().admit(staged.batch().stream().map(BatchState.Entry::item).toList(), staged.prepared()));
        }

        @Override
        public void step() {
            report(session.step());
        }

        void close() {
            if (session != null) {
                session.close();
            }
        }

        private void report(List<DecodingSession.Completed<Job>> done) {
            long now = System.nanoTime();
            done.forEach(c -> completion.done(c.key(), c.outcome(), now));
        }
    }

    /** The runs as JSON. */
    static ObjectNode toJson(List<Run> runs, ObjectNode root) {
        ArrayNode arr = root.putArray("mixed");
        for (Run r : runs) {
            ObjectNode n = arr.addObject();
            n.put("mode", r.mode().key);
            n.put("arrival", r.ratePerS() <= 0 ? "backlog" : "rate");
            n.put("rate_per_s", r.ratePerS());
            n.put("requests", r.requests());
            n.put("wall_s", r.wallS());
            n.put("requests_per_s", r.requestsPerS());
            n.put("tokens_per_s", r.tokensPerS());
            ObjectNode lat = n.putObject("latency_ms");
            r.latencyMs().forEach((c, v) -> {
                ObjectNode cn = lat.putObject(c);
                cn.put("p50", v[0]);
                cn.put("p95", v[1]);
            });
        }
        return root;
    }

    /** Prints a table of the runs. */
    static void print(List<Run> runs, java.io.PrintStream out) {
        List<String> classes = new ArrayList<>(runs.getFirst().latencyMs().keySet());
        StringBuilder h = new StringBuilder(String.format(java.util.Locale.ROOT, "%-11s %-10s %8s %9s %9s",
                "mode", "arrival", "req/s", "tokens/s", "wall s"));
        for (String c : classes) {
            h.append(String.format(java.util.Locale.ROOT, " %17s", c + " p50/p95 ms"));
        }
        out.println(h);
        for (Run r : runs) {
            StringBuilder line = new StringBuilder(String.format(java.util.Locale.ROOT, "%-11s %-10s %8.2f %9.1f %9.1f",
                    r.mode().key, r.ratePerS() <= 0 ? "backlog" : String.format(java.util.Locale.ROOT, "%.2f/s", r.ratePerS()),
                    r.requestsPerS(), r.tokensPerS(), r.wallS()));
            for (String c : classes) {
                double[] v = r.latencyMs().get(c);
                line.append(String.format(java.util.Locale.ROOT, " %8.0f/%8.0f", v[0], v[1]));
            }
            out.println(line);
        }
    }
}
