package io.blip2stream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared cluster from a plain test: one address, topics created once and checked after. */
@ExtendWith(KafkaBrokerExtension.class)
class SharedKafkaClusterTest {

    @Test
    void everyCallGetsTheSameRunningBroker() throws Exception {
        String first = KafkaBrokerExtension.bootstrapServers();

        assertThat(SharedKafkaCluster.bootstrapServers()).isEqualTo(first);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, first))) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
        }
    }

    @Test
    void creatingTopicsAgainKeepsThemAndAnotherSizeIsRefused() throws Exception {
        String bootstrap = KafkaBrokerExtension.bootstrapServers();
        String name = "shared-" + UUID.randomUUID();

        SharedKafkaCluster.createTopics(bootstrap, List.of(new NewTopic(name, 2, (short) 1)));
        SharedKafkaCluster.createTopics(bootstrap, List.of(new NewTopic(name, 2, (short) 1)));

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertThat(admin.describeTopics(List.of(name)).allTopicNames().get().get(name).partitions()).hasSize(2);
        }
        assertThatThrownBy(() -> SharedKafkaCluster.createTopics(bootstrap, List.of(new NewTopic(name, 3, (short) 1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(name).hasMessageContaining("2 partitions, not 3");
    }
}
