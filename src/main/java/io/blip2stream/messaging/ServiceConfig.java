package io.blip2stream.messaging;

import io.blip2stream.batching.BatchPolicy;
import io.blip2stream.config.Blip2Config;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** The stream service's view of the {@code blip2.*} settings ({@link Blip2Config}). */
@Singleton
public class ServiceConfig {

    private final Blip2Config config;

    @Inject
    public ServiceConfig(Blip2Config config) {
        this.config = config;
    }

    /** The whole tree. */
    public Blip2Config settings() {
        return config;
    }

    public Path bundle() {
        return Path.of(config.bundle());
    }

    /** Requests received and not yet acknowledged, at most; also bounds each stream's prefetch. */
    public int maxInFlight() {
        return config.maxInFlight();
    }

    public BatchPolicy batchPolicy() {
        return new BatchPolicy(config.batching().maxBatchSize(),
                Duration.ofMillis(config.batching().maxWaitMs()).toNanos());
    }

    /** Continuous (requests join the running decoding batch at every step) or static micro-batches. */
    public io.blip2stream.batching.BatchMode batchMode() {
        return io.blip2stream.batching.BatchMode.of(config.batching().mode());
    }

    /** Continuous mode: most newcomers admitted between two decoding steps. */
    public int joinChunk() {
        if (config.batching().joinChunk() < 1) {
            throw new IllegalArgumentException("blip2.batching.join-chunk must be >= 1, got " + config.batching().joinChunk());
        }
        return config.batching().joinChunk();
    }

    /** Image bytes are limited by {@code blip2.image.max-bytes}, the engine's key: one key bounds them everywhere. */
    public RequestLimits requestLimits() {
        Blip2Config.Limits l = config.limits();
        return new RequestLimits(maxImageBytes(), l.maxQuestionChars(), l.maxNewTokens(), config.deadlineMs(),
                l.maxIdBytes(), l.maxUrlBytes(), l.maxTurns());
    }

    public FetchPolicy fetchPolicy() {
        Blip2Config.Fetch f = config.fetch();
        return new FetchPolicy(f.fileRoot().filter(s -> !s.isBlank()).map(Path::of),
                Set.copyOf(f.allowedHosts().orElse(List.of())), maxImageBytes(), Duration.ofMillis(f.timeoutMs()),
                f.maxRedirects(), Duration.ofMillis(f.idleTimeoutMs()), f.maxPerHost(),
                f.allowedNetworks().orElse(List.of()).stream().filter(s -> !s.isBlank()).map(Cidr::parse).toList());
    }

    public int fetchThreads() {
        return config.fetch().threads();
    }

    public long shutdownTimeoutMs() {
        return config.shutdownTimeoutMs();
    }

    /**
     * At-least-once: the least time between two offset commits of an input channel (a commit
     * starts as soon as a partition's acked prefix moves, unless one started less than this ago).
     */
    public Duration commitInterval() {
        Duration interval = config.commit().interval();
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("blip2.commit.interval must be > 0, got " + interval);
        }
        return interval;
    }

    /** At-least-once (the default) or exactly-once, from {@code blip2.delivery}. */
    public DeliveryMode delivery() {
        return DeliveryMode.of(config.delivery());
    }

    private int maxImageBytes() {
        return Math.toIntExact(config.image().maxBytes());
    }
}
