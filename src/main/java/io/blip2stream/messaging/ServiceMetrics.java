package io.blip2stream.messaging;

import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The service's Micrometer meters (on /q/metrics in Prometheus format):
 * <ul>
 *   <li>{@code blip2_requests_in_flight} / {@code blip2_requests_in_flight_max}: requests received
 *       and not yet acknowledged, now and the most ever at once;</li>
 *   <li>{@code blip2_queue_depth}: requests waiting for a batch;</li>
 *   <li>{@code blip2_batch_size}: requests per engine call (histogram);</li>
 *   <li>{@code blip2_stage_seconds{stage=queue|preprocess|vision|generate|total}}: per request;</li>
 *   <li>{@code blip2_tokens_generated_total}, {@code blip2_results_total{task}},
 *       {@code blip2_errors_total{code}}, {@code blip2_vision_cache_total{result=hit|miss}};</li>
 *   <li>{@code blip2_offset_commits_total{outcome=committed|failed}} and
 *       {@code blip2_offset_commit_seconds}: the at-least-once mode's offset commits (their rate is
 *       the commit rate) and how long each took.</li>
 * </ul>
 */
@ApplicationScoped
public class ServiceMetrics {

    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final Map<ErrorCode, Counter> errors = new EnumMap<>(ErrorCode.class);
    private final Map<Task, Counter> results = new EnumMap<>(Task.class);
    private final Counter tokens;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Timer queue;
    private final Timer preprocess;
    private final Timer vision;
    private final Timer generate;
    private final Timer total;
    private final Counter transactionsCommitted;
    private final Counter transactionsAborted;
    private final Counter transactionRecords;
    private final Counter commitsSucceeded;
    private final Counter commitsFailed;
    private final Timer commitLatency;

    public ServiceMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("blip2.batch.size")
                .description("requests per engine call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64)
                .register(registry);
        for (ErrorCode c : ErrorCode.values()) {
            errors.put(c, Counter.builder("blip2.errors").tag("code", c.name())
                    .description("failed requests by error code").register(registry));
        }
        for (Task t : Task.values()) {
            results.put(t, Counter.builder("blip2.results").tag("task", t.wire())
                    .description("successful results by task").register(registry));
        }
        this.tokens = Counter.builder("blip2.tokens.generated").description("new tokens generated").register(registry);
        this.cacheHits = Counter.builder("blip2.vision.cache").tag("result", "hit").register(registry);
        this.cacheMisses = Counter.builder("blip2.vision.cache").tag("result", "miss").register(registry);
        this.queue = stage("queue");
        this.preprocess = stage("preprocess");
        this.vision = stage("vision");
        this.generate = stage("generate");
        this.total = stage("total");
        this.transactionsCommitted = Counter.builder("blip2.transactions").tag("outcome", "committed")
                .description("Kafka transactions of the exactly-once mode, by outcome").register(registry);
        this.transactionsAborted = Counter.builder("blip2.transactions").tag("outcome", "aborted")
                .description("Kafka transactions of the exactly-once mode, by outcome").register(registry);
        this.transactionRecords = Counter.builder("blip2.transaction.records")
                .description("input records whose results and offsets were committed in a transaction")
                .register(registry);
        this.commitsSucceeded = Counter.builder("blip2.offset.commits").tag("outcome", "committed")
                .description("offset commits of the at-least-once mode's input channels, by outcome").register(registry);
        this.commitsFailed = Counter.builder("blip2.offset.commits").tag("outcome", "failed")
                .description("offset commits of the at-least-once mode's input channels, by outcome").register(registry);
        this.commitLatency = Timer.builder("blip2.offset.commit")
                .description("time from an offset commit's start to the broker's answer").register(registry);
    }

    /** The at-least-once mode's commit of {@code partitions} partitions ended after {@code nanos}. */
    public void offsetCommit(boolean succeeded, int partitions, long nanos) {
        (succeeded ? commitsSucceeded : commitsFailed).increment();
        commitLatency.record(Duration.ofNanos(nanos));
    }

    /** The exactly-once mode ended a transaction over {@code records} records. */
    public void transaction(boolean committed, int records) {
        (committed ? transactionsCommitted : transactionsAborted).increment();
        if (committed) {
            transactionRecords.increment(records);
        }
    }

    private Timer stage(String name) {
        return Timer.builder("blip2.stage").tag("stage", name).description("time per request in each stage")
                .register(registry);
    }

    /** Registers the in-flight and queue gauges over live values. */
    public void bindGauges(Supplier<Number> inFlight, Supplier<Number> maxInFlight, Supplier<Number> queueDepth) {
        Gauge.builder("blip2.requests.in.flight", inFlight).description("requests received and not yet acknowledged")
                .register(registry);
        Gauge.builder("blip2.requests.in.flight.max", maxInFlight)
                .description("the most requests ever in flight at once").register(registry);
        Gauge.builder("blip2.queue.depth", queueDepth).description("requests waiting for a batch").register(registry);
    }

    public void batch(int size) {
        batchSize.record(size);
    }

    public void success(ResultRecord r, int newTokens, boolean visionCacheHit) {
        results.get(r.task()).increment();
        tokens.increment(newTokens);
        (visionCacheHit ? cacheHits : cacheMisses).increment();
        queue.record(ms(r.timingMs().queue()));
        preprocess.record(ms(r.timingMs().preprocess()));
        vision.record(ms(r.timingMs().vision()));
        generate.record(ms(r.timingMs().generate()));
        total.record(ms(r.timingMs().total()));
    }

    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    private static Duration ms(double millis) {
        return Duration.ofNanos((long) (millis * 1_000_000));
    }
}
