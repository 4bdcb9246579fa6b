package io.blip2stream.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Kafka broker for plain JUnit test classes: the run's {@link SharedKafkaCluster}, the same
 * broker the {@code @QuarkusTest} classes get, started before the class if no test has started it
 * yet and stopped when the test JVM exits. Use {@link #bootstrapServers()} inside the tests.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        SharedKafkaCluster.bootstrapServers();
    }

    /** Bootstrap servers of the run's broker. */
    public static String bootstrapServers() {
        return SharedKafkaCluster.bootstrapServers();
    }
}
