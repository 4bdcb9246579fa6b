package io.blip2stream.ops.topics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service's topics, read from the Strimzi {@code KafkaTopic} resources in
 * {@code kafka-topics/topics.yaml} — the one definition shared by Kubernetes deployments and the
 * {@code topics} command. The file is packaged on the classpath under the same path.
 */
public final class TopicCatalog {

    /** Classpath location of the packaged {@code kafka-topics/topics.yaml}. */
    public static final String RESOURCE = "kafka-topics/topics.yaml";

    static final String KIND = "KafkaTopic";

    private TopicCatalog() {
    }

    /** The packaged topic definitions, in file order. */
    public static List<TopicDefinition> load() {
        try (InputStream in = TopicCatalog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * Parses a multi-document YAML stream of Strimzi {@code KafkaTopic} resources; documents of
     * other kinds are ignored.
     */
    public static List<TopicDefinition> parse(InputStream yaml) throws IOException {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        List<TopicDefinition> topics = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = mapper.readerFor(JsonNode.class).readValues(yaml)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                if (doc != null && KIND.equals(doc.path("kind").asText())) {
                    topics.add(toDefinition(doc));
                }
            }
        }
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("no " + KIND + " resources found");
        }
        return List.copyOf(topics);
    }

    private static TopicDefinition toDefinition(JsonNode doc) {
        JsonNode spec = doc.path("spec");
        String name = spec.hasNonNull("topicName")
                ? spec.get("topicName").asText()
                : doc.path("metadata").path("name").asText();
        int partitions = required(spec, "partitions", name).asInt();
        int replicas = required(spec, "replicas", name).asInt();
        if (replicas > Short.MAX_VALUE) {
            throw new IllegalArgumentException("topic " + name + ": replicas " + replicas + " is out of range");
        }
        Map<String, String> configs = new LinkedHashMap<>();
        spec.path("config").properties().forEach(e -> configs.put(e.getKey(), e.getValue().asText()));
        return new TopicDefinition(name, partitions, (short) replicas, configs);
    }

    private static JsonNode required(JsonNode spec, String field, String topic) {
        JsonNode n = spec.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new IllegalArgumentException("topic " + topic + ": spec." + field + " is missing or not an integer");
        }
        return n;
    }
}
