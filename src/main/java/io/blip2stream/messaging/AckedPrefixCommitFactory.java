package io.blip2stream.messaging;

import io.quarkus.arc.Unremovable;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConnectorIncomingConfiguration;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.commit.KafkaCommitHandler;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.function.BiConsumer;

/**
 * Creates the at-least-once commit strategy ({@link AckedPrefixCommit}) for the input channels
 * whose {@code commit-strategy} is {@value #STRATEGY}.
 */
@ApplicationScoped
@Unremovable
@Identifier(AckedPrefixCommitFactory.STRATEGY)
public class AckedPrefixCommitFactory implements KafkaCommitHandler.Factory {

    /** The {@code commit-strategy} name of the input channels in at-least-once mode. */
    public static final String STRATEGY = "blip2-acked-prefix";
    /** How long a synchronous commit on stop may take. */
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    ServiceConfig config;

    @Inject
    ServiceMetrics metrics;

    @Override
    public KafkaCommitHandler create(KafkaConnectorIncomingConfiguration configuration, Vertx vertx,
                                     KafkaConsumer<?, ?> consumer, BiConsumer<Throwable, Boolean> reportFailure) {
        return new AckedPrefixCommit(configuration.getChannel(), vertx, consumer, reportFailure, metrics::offsetCommit,
                config.commitInterval(), configuration.getThrottledUnprocessedRecordMaxAgeMs(),
                Duration.ofMillis(config.shutdownTimeoutMs()), COMMIT_TIMEOUT);
    }
}
