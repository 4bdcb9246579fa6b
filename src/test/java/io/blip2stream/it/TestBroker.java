package io.blip2stream.it;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * One in-process KRaft broker (Kafka's test kit, combined broker + controller) configured like a
 * small production cluster for these tests: short group session timeouts, so that a killed
 * consumer's partitions move within seconds, and room for 10 MiB records.
 */
public final class TestBroker implements AutoCloseable {

    /** Consumer session timeout the services are started with (and the broker allows). */
    public static final int SESSION_TIMEOUT_MS = 6_000;
    public static final int MAX_MESSAGE_BYTES = 10 * 1024 * 1024 + 1024;

    private final KafkaClusterTestKit cluster;
    private final Admin admin;

    private TestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
    }

    public static TestBroker start() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build())
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES))
                .setConfigProp("group.min.session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS))
                .setConfigProp("group.consumer.min.session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS))
                .setConfigProp("group.consumer.session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS))
                .setConfigProp("group.consumer.min.heartbeat.interval.ms", "1000")
                .setConfigProp("group.consumer.heartbeat.interval.ms", "1000")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new TestBroker(cluster);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    public Admin admin() {
        return admin;
    }

    /** Creates each topic with {@code partitions} partitions. */
    public void createTopics(Collection<String> names, int partitions) throws ExecutionException, InterruptedException {
        List<NewTopic> topics = names.stream()
                .map(n -> new NewTopic(n, partitions, (short) 1)
                        .configs(Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES))))
                .toList();
        admin.createTopics(topics).all().get();
    }

    @Override
    public void close() throws Exception {
        admin.close();
        cluster.close();
    }
}
