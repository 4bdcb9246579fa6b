package io.blip2stream.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.ops.topics.TopicCatalog;
import io.blip2stream.ops.topics.TopicDefinition;
import io.blip2stream.testing.KafkaBrokerExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code topics} command end to end on a real broker, with the packaged topic names. The
 * steps share the topics, so they form one scenario: dry run, create, rerun, drift.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TopicsCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void dryRunThenCreateThenIdempotentRerunThenDriftReport() throws Exception {
        String bootstrap = KafkaBrokerExtension.bootstrapServers();
        List<TopicDefinition> defined = TopicCatalog.load();
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // dry run: validated by the broker, nothing created
            Result dry = run("--bootstrap", bootstrap, "--dry-run", "--replication-factor", "1");
            assertThat(dry.exit).isZero();
            assertThat(dry.json.get("dry_run").asBoolean()).isTrue();
            assertThat(actions(dry.json)).containsOnly("would_create").hasSize(defined.size());
            assertThat(admin.listTopics().names().get()).doesNotContainAnyElementsOf(names(defined));

            // create: every topic with its defined partitions and configs, min ISR lowered to RF 1
            Result created = run("--bootstrap", bootstrap, "--replication-factor", "1");
            assertThat(created.exit).isZero();
            assertThat(actions(created.json)).containsOnly("created").hasSize(defined.size());
            // (topic metadata reaches the broker asynchronously after the controller created it)
            Map<String, TopicDescription> described = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> admin.describeTopics(names(defined)).allTopicNames().get(), m -> true);
            for (TopicDefinition t : defined) {
                assertThat(described.get(t.name()).partitions()).hasSize(t.partitions());
                var config = admin.describeConfigs(List.of(topic(t.name()))).all().get().get(topic(t.name()));
                assertThat(config.get("max.message.bytes").value()).isEqualTo(t.configs().get("max.message.bytes"));
                assertThat(config.get("retention.ms").value()).isEqualTo(t.configs().get("retention.ms"));
                assertThat(config.get("min.insync.replicas").value()).isEqualTo("1");
            }

            // rerun: nothing to do, no drift
            Result rerun = run("--bootstrap", bootstrap, "--replication-factor", "1");
            assertThat(rerun.exit).isZero();
            assertThat(actions(rerun.json)).containsOnly("exists").hasSize(defined.size());
            assertThat(rerun.json.get("drifted_topics").asInt()).isZero();

            // someone changes a topic: reported, not reverted
            admin.incrementalAlterConfigs(Map.of(topic("blip2.captions"), List.of(new AlterConfigOp(
                    new ConfigEntry("max.message.bytes", "1048588"), AlterConfigOp.OpType.SET)))).all().get();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeConfigs(List.of(topic("blip2.captions")))
                    .all().get().get(topic("blip2.captions")).get("max.message.bytes").value(), "1048588"::equals);
            Result drift = run("--bootstrap", bootstrap, "--replication-factor", "1");
            assertThat(drift.exit).isZero();
            assertThat(drift.json.get("drifted_topics").asInt()).isEqualTo(1);
            JsonNode captions = topicNode(drift.json, "blip2.captions");
            assertThat(captions.get("drift")).hasSize(1);
            assertThat(captions.get("drift").get(0).get("setting").asText()).isEqualTo("max.message.bytes");
            assertThat(captions.get("drift").get(0).get("expected").asText()).isEqualTo("10485760");
            assertThat(captions.get("drift").get(0).get("actual").asText()).isEqualTo("1048588");
            var after = admin.describeConfigs(List.of(topic("blip2.captions"))).all().get().get(topic("blip2.captions"));
            assertThat(after.get("max.message.bytes").value()).isEqualTo("1048588");
        }
    }

    @Test
    void badArgumentsGiveAJsonErrorAndExitTwo() throws Exception {
        Result missing = run("--dry-run");
        Result unknown = run("--bootstrap", "localhost:1", "--frobnicate");
        Result negative = run("--bootstrap", "localhost:1", "--partitions", "0");

        assertThat(missing.exit).isEqualTo(2);
        assertThat(missing.json.at("/error/message").asText()).contains("--bootstrap is required");
        assertThat(unknown.exit).isEqualTo(2);
        assertThat(unknown.json.at("/error/message").asText()).contains("--frobnicate");
        assertThat(negative.exit).isEqualTo(2);
        assertThat(negative.json.at("/error/code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(negative.json.at("/error/id").asText()).isEqualTo("BLIP2-1001");
        assertThat(negative.json.at("/error/limit").asLong()).isEqualTo(1);
    }

    @Test
    void unreachableClusterExitsThreeWithAnError() throws Exception {
        Result r = run("--bootstrap", "127.0.0.1:1", "--timeout-s", "2");

        assertThat(r.exit).isEqualTo(ExitStatus.UNAVAILABLE);
        assertThat(r.json.at("/error/code").asText()).isEqualTo("KAFKA_UNAVAILABLE");
        assertThat(r.json.at("/error/id").asText()).isEqualTo("BLIP2-2002");
    }

    private record Result(int exit, JsonNode json) {
    }

    private static Result run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = new TopicsCommand().run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, JSON.readTree(out.toString(StandardCharsets.UTF_8)));
    }

    private static List<String> actions(JsonNode report) {
        return report.get("topics").valueStream().map(t -> t.get("action").asText()).toList();
    }

    private static JsonNode topicNode(JsonNode report, String name) {
        return report.get("topics").valueStream().filter(t -> t.get("name").asText().equals(name))
                .findFirst().orElseThrow();
    }

    private static List<String> names(List<TopicDefinition> topics) {
        return topics.stream().map(TopicDefinition::name).toList();
    }

    private static ConfigResource topic(String name) {
        return new ConfigResource(ConfigResource.Type.TOPIC, name);
    }
}
