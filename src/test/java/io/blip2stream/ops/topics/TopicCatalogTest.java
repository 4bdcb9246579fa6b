package io.blip2stream.ops.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {

    @Test
    void packagedDefinitionsHoldEveryTopicOfTheWireContract() {
        // when
        List<TopicDefinition> topics = TopicCatalog.load();

        // then
        assertThat(topics).extracting(TopicDefinition::name)
                .containsExactly("blip2.images", "blip2.questions", "blip2.captions", "blip2.answers", "blip2.dlq");
        assertThat(topics).allSatisfy(t -> {
            assertThat(t.replicationFactor()).isEqualTo((short) 3);
            assertThat(t.configs()).containsEntry("min.insync.replicas", "2")
                    .containsEntry("max.message.bytes", t.name().equals("blip2.dlq") ? "10551296" : "10485760");
        });
    }

    @Test
    void smallerReplicationFactorLowersMinInsyncReplicas() {
        // given
        TopicDefinition t = new TopicDefinition("t", 12, (short) 3, Map.of("min.insync.replicas", "2", "a", "b"));

        // when
        TopicDefinition single = t.withSizes(2, (short) 1);
        TopicDefinition same = t.withSizes(null, null);

        // then
        assertThat(single.partitions()).isEqualTo(2);
        assertThat(single.replicationFactor()).isEqualTo((short) 1);
        assertThat(single.configs()).containsEntry("min.insync.replicas", "1").containsEntry("a", "b");
        assertThat(same).isEqualTo(t);
    }

    @Test
    void topicNameFallsBackToMetadataNameAndOtherKindsAreIgnored() throws Exception {
        // given
        String yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: x}
                ---
                apiVersion: kafka.strimzi.io/v1beta2
                kind: KafkaTopic
                metadata: {name: orders}
                spec: {partitions: 4, replicas: 2, config: {retention.ms: 1000}}
                """;

        // when
        List<TopicDefinition> topics = TopicCatalog.parse(stream(yaml));

        // then
        assertThat(topics).containsExactly(
                new TopicDefinition("orders", 4, (short) 2, Map.of("retention.ms", "1000")));
    }

    @Test
    void missingPartitionsIsRejectedWithTheTopicName() {
        String yaml = """
                kind: KafkaTopic
                metadata: {name: orders}
                spec: {replicas: 2}
                """;

        assertThatThrownBy(() -> TopicCatalog.parse(stream(yaml)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("orders").hasMessageContaining("spec.partitions");
    }

    private static ByteArrayInputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }
}
