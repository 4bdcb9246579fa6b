package io.blip2stream.ops.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.blip2stream.testing.KafkaBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class TopicProvisionerTest {

    private Admin admin;
    private TopicProvisioner provisioner;

    @BeforeEach
    void connect() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrapServers());
        admin = Admin.create(p);
        provisioner = new TopicProvisioner(admin, Duration.ofSeconds(30));
    }

    @AfterEach
    void close() {
        admin.close();
    }

    @Test
    void createsMissingTopicsWithTheirSizesAndConfigs() throws Exception {
        // given
        TopicDefinition t = fresh(3, Map.of("retention.ms", "3600000", "max.message.bytes", "2097152"));

        // when
        List<TopicStatus> statuses = provisioner.provision(List.of(t), false);

        // then
        assertThat(statuses).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(TopicAction.CREATED);
            assertThat(s.drift()).isEmpty();
        });
        TopicDescription d = visible(t.name());
        assertThat(d.partitions()).hasSize(3);
        assertThat(provisioner.provision(List.of(t), false)).singleElement()
                .satisfies(s -> {
                    assertThat(s.action()).isEqualTo(TopicAction.EXISTS);
                    assertThat(s.drift()).as("configs read back from the broker").isEmpty();
                });
    }

    @Test
    void dryRunCreatesNothing() throws Exception {
        TopicDefinition t = fresh(2, Map.of("retention.ms", "3600000"));

        List<TopicStatus> statuses = provisioner.provision(List.of(t), true);

        assertThat(statuses).extracting(TopicStatus::action).containsExactly(TopicAction.WOULD_CREATE);
        assertThat(admin.listTopics().names().get()).doesNotContain(t.name());
    }

    @Test
    void existingTopicWithOtherSettingsIsReportedAndLeftAlone() throws Exception {
        // given: the topic exists with 1 partition and another retention
        TopicDefinition actual = fresh(1, Map.of("retention.ms", "1000"));
        provisioner.provision(List.of(actual), false);
        visible(actual.name());
        TopicDefinition wanted = new TopicDefinition(actual.name(), 4, (short) 1, Map.of("retention.ms", "7200000"));

        // when
        List<TopicStatus> statuses = provisioner.provision(List.of(wanted), false);

        // then
        assertThat(statuses).singleElement().satisfies(s -> {
            assertThat(s.action()).isEqualTo(TopicAction.EXISTS);
            assertThat(s.drift()).containsExactly(
                    new Drift("partitions", "4", "1"), new Drift("retention.ms", "7200000", "1000"));
        });
        assertThat(admin.describeTopics(List.of(actual.name())).allTopicNames().get()
                .get(actual.name()).partitions()).hasSize(1);
    }

    /** Waits until the broker's metadata has the topic the controller created. */
    private TopicDescription visible(String name) {
        return await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> admin.describeTopics(List.of(name)).allTopicNames().get().get(name), d -> d != null);
    }

    private static TopicDefinition fresh(int partitions, Map<String, String> configs) {
        return new TopicDefinition("provisioner-" + UUID.randomUUID(), partitions, (short) 1, configs);
    }
}
