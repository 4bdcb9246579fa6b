package io.blip2stream.testing;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real in-process Kafka cluster (KRaft, one combined broker + controller) shared by every test
 * class that uses this extension: it starts once per test run and stops when the run ends.
 * Use {@link #bootstrapServers()} inside the tests.
 */
public final class KafkaBrokerExtension implements BeforeAllCallback {

    /** Kafka's own loggers, kept referenced so their WARN level sticks. */
    private static final List<Logger> QUIET = List.of(
            Logger.getLogger("kafka"), Logger.getLogger("org.apache.kafka"), Logger.getLogger("state.change.logger"));

    private static volatile String bootstrapServers;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot()
                .getStore(ExtensionContext.Namespace.create(KafkaBrokerExtension.class))
                .computeIfAbsent(Broker.class, k -> Broker.start(), Broker.class);
    }

    /** Bootstrap servers of the running broker. */
    public static String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("the broker is not started: annotate the class with "
                    + "@ExtendWith(KafkaBrokerExtension.class)");
        }
        return bootstrapServers;
    }

    /** The started cluster; closed by JUnit when the root context closes. */
    static final class Broker implements AutoCloseable {
        private final KafkaClusterTestKit cluster;

        private Broker(KafkaClusterTestKit cluster) {
            this.cluster = cluster;
        }

        static Broker start() {
            QUIET.forEach(l -> l.setLevel(Level.WARNING));
            try {
                KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .build())
                        // consumer groups and transactions with one broker
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("offsets.topic.num.partitions", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .build();
                cluster.format();
                cluster.startup();
                cluster.waitForReadyBrokers();
                bootstrapServers = cluster.bootstrapServers();
                return new Broker(cluster);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the test Kafka cluster", e);
            }
        }

        @Override
        public void close() throws Exception {
            bootstrapServers = null;
            cluster.close();
        }
    }
}
