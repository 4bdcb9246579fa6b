package io.blip2stream.messaging;

import io.blip2stream.batching.BatchPolicy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The service's settings, read once from the {@code blip2.*} keys (defaults and environment
 * variable names in application.properties).
 */
@ApplicationScoped
public class ServiceConfig {

    @ConfigProperty(name = "blip2.bundle")
    String bundle;

    @ConfigProperty(name = "blip2.max-in-flight")
    int maxInFlight;

    @ConfigProperty(name = "blip2.batching.max-batch-size")
    int maxBatchSize;

    @ConfigProperty(name = "blip2.batching.max-wait-ms")
    long maxWaitMs;

    @ConfigProperty(name = "blip2.deadline-ms")
    long deadlineMs;

    /** Shared with the engine's decoder limits (EngineConfig), so one key bounds image bytes everywhere. */
    @ConfigProperty(name = "blip2.image.max-bytes", defaultValue = "20971520")
    int maxImageBytes;

    @ConfigProperty(name = "blip2.limits.max-question-chars")
    int maxQuestionChars;

    @ConfigProperty(name = "blip2.limits.max-new-tokens")
    int maxNewTokens;

    @ConfigProperty(name = "blip2.fetch.file-root")
    Optional<String> fetchFileRoot;

    @ConfigProperty(name = "blip2.fetch.allowed-hosts")
    Optional<List<String>> fetchAllowedHosts;

    @ConfigProperty(name = "blip2.fetch.timeout-ms")
    long fetchTimeoutMs;

    @ConfigProperty(name = "blip2.fetch.max-redirects")
    int fetchMaxRedirects;

    @ConfigProperty(name = "blip2.fetch.threads")
    int fetchThreads;

    @ConfigProperty(name = "blip2.shutdown-timeout-ms")
    long shutdownTimeoutMs;

    @ConfigProperty(name = "blip2.delivery")
    String delivery;

    public Path bundle() {
        return Path.of(bundle);
    }

    /** Requests received and not yet acknowledged, at most; also bounds each stream's prefetch. */
    public int maxInFlight() {
        return maxInFlight;
    }

    public BatchPolicy batchPolicy() {
        return new BatchPolicy(maxBatchSize, Duration.ofMillis(maxWaitMs).toNanos());
    }

    public RequestLimits requestLimits() {
        return new RequestLimits(maxImageBytes, maxQuestionChars, maxNewTokens, deadlineMs);
    }

    public FetchPolicy fetchPolicy() {
        return new FetchPolicy(fetchFileRoot.filter(s -> !s.isBlank()).map(Path::of),
                Set.copyOf(fetchAllowedHosts.orElse(List.of())), maxImageBytes, Duration.ofMillis(fetchTimeoutMs),
                fetchMaxRedirects);
    }

    public int fetchThreads() {
        return fetchThreads;
    }

    public long shutdownTimeoutMs() {
        return shutdownTimeoutMs;
    }

    /** At-least-once (the default) or exactly-once, from {@code blip2.delivery}. */
    public DeliveryMode delivery() {
        return DeliveryMode.of(delivery);
    }
}
