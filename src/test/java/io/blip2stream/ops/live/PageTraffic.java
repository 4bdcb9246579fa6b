package io.blip2stream.ops.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;

/**
 * Requests for the live page's tests, on the service's input topics of the shared test broker,
 * and their results read back from the output topics (from their ends when this client started).
 */
final class PageTraffic implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String images;
    private final String questions;
    private final Map<String, JsonNode> results = new HashMap<>();
    private final ObjectMapper json = new ObjectMapper();

    PageTraffic() {
        Config config = ConfigProvider.getConfig();
        String bootstrap = config.getValue("kafka.bootstrap.servers", String.class);
        images = config.getValue("blip2.topics.images", String.class);
        questions = config.getValue("blip2.topics.questions", String.class);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer());
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : List.of(config.getValue("blip2.topics.captions", String.class),
                config.getValue("blip2.topics.answers", String.class))) {
            consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position);
    }

    /** A caption request: the raw image on the images topic, its id in the {@code blip2-id} header. */
    void caption(String id, byte[] image) {
        RecordHeaders h = new RecordHeaders();
        h.add(WireHeaders.ID, id.getBytes(StandardCharsets.UTF_8));
        producer.send(new ProducerRecord<>(images, null, id.getBytes(StandardCharsets.UTF_8), image, h));
        producer.flush();
    }

    /** A vqa request on the questions topic, the image inline. */
    void question(String id, String question, byte[] image) {
        byte[] value = new WireCodec().encode(new QuestionRequest(id, Task.VQA, question, null, null,
                new ImageRef(Base64.getEncoder().encodeToString(image), null), null));
        producer.send(new ProducerRecord<>(questions, id.getBytes(StandardCharsets.UTF_8), value));
        producer.flush();
    }

    /** The results (JSON values) of the given ids, once every one has arrived. */
    Map<String, JsonNode> awaitResults(Set<String> ids) {
        await().atMost(Duration.ofSeconds(90)).pollInSameThread().pollDelay(Duration.ZERO).until(() -> {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                JsonNode value = read(r.value());
                if (ids.contains(value.path("id").asText())) {
                    results.put(value.path("id").asText(), value);
                }
            }
            return results.keySet().containsAll(ids);
        });
        return Map.copyOf(results);
    }

    private JsonNode read(byte[] value) {
        try {
            return json.readTree(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }
}
