package io.blip2stream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.blip2stream.ops.topics.TopicCatalog;
import io.blip2stream.ops.topics.TopicDefinition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * src/docs/asyncapi.yaml describes the topics the service really has: its channels are the
 * configured topics with the sizes of kafka-topics/topics.yaml, its payloads point to the real
 * JSON Schema files, its headers are the ones the service reads and writes.
 */
class AsyncApiDocumentTest {

    static final Path DOC = Path.of("src/docs/asyncapi.yaml");
    static final Path SCHEMAS = Path.of("src/main/resources/schemas");

    private final JsonNode doc;
    private final Properties props = new Properties();

    AsyncApiDocumentTest() throws IOException {
        doc = new ObjectMapper(new YAMLFactory()).readTree(DOC.toFile());
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            props.load(in);
        }
    }

    @Test
    void channelsAreTheConfiguredTopicsWithTheCatalogsSizes() {
        assertThat(doc.path("asyncapi").asText()).startsWith("3.");
        Map<String, TopicDefinition> catalog = TopicCatalog.load().stream()
                .collect(Collectors.toMap(TopicDefinition::name, Function.identity()));
        Set<String> addresses = new HashSet<>();
        for (String key : List.of("images", "questions", "captions", "answers", "dlq")) {
            JsonNode channel = doc.path("channels").path(key);
            String topic = defaultOf(props.getProperty("blip2.topics." + key));
            assertThat(channel.path("address").asText()).as(key).isEqualTo(topic);
            assertThat(channel.path("description").asText()).contains("blip2.topics." + key);
            JsonNode kafka = channel.at("/bindings/kafka");
            TopicDefinition def = catalog.get(topic);
            assertThat(def).as(topic + " in kafka-topics/topics.yaml").isNotNull();
            assertThat(kafka.path("topic").asText()).isEqualTo(topic);
            assertThat(kafka.path("partitions").asInt()).as(topic).isEqualTo(def.partitions());
            assertThat(kafka.path("replicas").asInt()).as(topic).isEqualTo(def.replicationFactor());
            assertThat(kafka.at("/topicConfiguration/max.message.bytes").asText()).as(topic)
                    .isEqualTo(def.configs().get("max.message.bytes"));
            addresses.add(topic);
        }
        assertThat(addresses).hasSize(5);
        assertThat(doc.path("channels").size()).isEqualTo(5);
    }

    @Test
    void operationsAreTheServicesReceivesAndSends() {
        Map<String, String> actionByChannel = new java.util.HashMap<>();
        doc.path("operations").forEach(op -> actionByChannel.put(
                op.at("/channel/$ref").asText().replace("#/channels/", ""), op.path("action").asText()));
        assertThat(actionByChannel).containsExactlyInAnyOrderEntriesOf(Map.of("images", "receive",
                "questions", "receive", "captions", "send", "answers", "send", "dlq", "send"));
    }

    @Test
    void payloadsPointToTheRealSchemaFiles() throws IOException {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        List<String> fileRefs = refs.stream().filter(r -> !r.startsWith("#")).toList();
        for (String ref : fileRefs) {
            Path target = DOC.getParent().resolve(ref).normalize();
            assertThat(target).as(ref).exists().startsWith(SCHEMAS);
        }
        JsonNode messages = doc.at("/components/messages");
        assertThat(messages.at("/questionRequest/payload/$ref").asText()).endsWith("/schemas/question.schema.json");
        assertThat(messages.at("/result/payload/$ref").asText()).endsWith("/schemas/result.schema.json");
        assertThat(messages.at("/errorResult/payload/$ref").asText()).endsWith("/schemas/error-result.schema.json");
        assertThat(messages.at("/imageRequest/headers/properties/blip2-options/contentSchema/$ref").asText())
                .endsWith("/schemas/options.schema.json");
        // every schema file is described, or referenced by one that is
        Set<String> described = fileRefs.stream().map(r -> Path.of(r).getFileName().toString())
                .collect(Collectors.toSet());
        Set<String> referencedByOthers = new HashSet<>();
        List<String> files;
        try (Stream<Path> list = Files.list(SCHEMAS)) {
            files = list.map(p -> p.getFileName().toString()).toList();
        }
        for (String f : files) {
            Matcher m = Pattern.compile("\"\\$ref\":\\s*\"([\\w.-]+\\.schema\\.json)\"")
                    .matcher(Files.readString(SCHEMAS.resolve(f)));
            while (m.find()) {
                referencedByOthers.add(m.group(1));
            }
        }
        assertThat(files).filteredOn(f -> !referencedByOthers.contains(f))
                .allSatisfy(f -> assertThat(described).as("asyncapi.yaml refers to " + f).contains(f));
        // internal references resolve
        for (String ref : refs.stream().filter(r -> r.startsWith("#/")).toList()) {
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    @Test
    void headersAreTheOnesTheServiceReadsAndWrites() {
        JsonNode messages = doc.at("/components/messages");
        assertThat(names(messages.at("/imageRequest/headers/properties"))).containsExactlyInAnyOrder(
                WireHeaders.ID, WireHeaders.CE_ID, WireHeaders.TASK, WireHeaders.QUESTION, WireHeaders.OPTIONS);
        assertThat(names(doc.at("/components/schemas/resultHeaders/properties"))).containsExactlyInAnyOrder(
                WireHeaders.CE_ID, WireHeaders.CE_TYPE, WireHeaders.CE_SOURCE, WireHeaders.CE_SPECVERSION,
                WireHeaders.CE_TIME, WireHeaders.CONTENT_TYPE, WireHeaders.CORRELATION_ID);
        assertThat(doc.at("/components/schemas/resultHeaders/properties/ce_type/enum"))
                .extracting(JsonNode::asText).containsExactlyInAnyOrder(
                        WireHeaders.CE_TYPE_CAPTION, WireHeaders.CE_TYPE_ANSWER, WireHeaders.CE_TYPE_ERROR);
        assertThat(names(messages.at("/deadLetter/headers/properties"))).containsExactlyInAnyOrder(
                WireHeaders.DEAD_LETTER_REASON, WireHeaders.DEAD_LETTER_CAUSE, WireHeaders.DEAD_LETTER_TOPIC,
                WireHeaders.DEAD_LETTER_PARTITION, WireHeaders.DEAD_LETTER_OFFSET, WireHeaders.CORRELATION_ID);
        assertThat(messages.at("/imageRequest/headers/properties/blip2-task/enum")).extracting(JsonNode::asText)
                .containsExactly(Stream.of(Task.values()).map(Task::wire).toArray(String[]::new));
    }

    private static Set<String> names(JsonNode object) {
        Set<String> out = new HashSet<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("$ref")) {
                    refs.add(e.getValue().asText());
                } else {
                    collectRefs(e.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }

    private static String defaultOf(String value) {
        Matcher m = Pattern.compile("^\\$\\{[A-Z0-9_]+:([^}]*)}$").matcher(value.trim());
        assertThat(m.matches()).as(value).isTrue();
        return m.group(1);
    }
}
