package io.blip2stream.messaging;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.util.List;
import java.util.Map;

/**
 * One real Kafka broker for the whole test run: Kafka's own in-process KRaft test kit (one
 * combined broker + controller node), with the service's topics created up front. Use with
 * {@code @WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)}.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** Partitions of each input topic: several, so that records arrive from more than one. */
    public static final int INPUT_PARTITIONS = 3;
    static final int MAX_MESSAGE_BYTES = 10_485_760;

    private KafkaClusterTestKit cluster;

    @Override
    public Map<String, String> start() {
        try {
            cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES + 65_536))
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            createTopics(cluster.bootstrapServers());
            return Map.of("kafka.bootstrap.servers", cluster.bootstrapServers());
        } catch (Exception e) {
            throw new IllegalStateException("the test broker did not start", e);
        }
    }

    private static void createTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Map<String, String> inputs = Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES));
            Map<String, String> dlq = Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES + 65_536));
            admin.createTopics(List.of(
                    new NewTopic("blip2.images", INPUT_PARTITIONS, (short) 1).configs(inputs),
                    new NewTopic("blip2.questions", INPUT_PARTITIONS, (short) 1).configs(inputs),
                    new NewTopic("blip2.captions", 1, (short) 1).configs(inputs),
                    new NewTopic("blip2.answers", 1, (short) 1).configs(inputs),
                    new NewTopic("blip2.dlq", 1, (short) 1).configs(dlq))).all().get();
        }
    }

    @Override
    public void stop() {
        if (cluster != null) {
            try {
                cluster.close();
            } catch (Exception e) {
                throw new IllegalStateException("the test broker did not stop", e);
            }
        }
    }
}
