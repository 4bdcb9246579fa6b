package io.blip2stream.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads result topics from the beginning on its own thread and keeps every result by request id,
 * duplicates included (at-least-once delivery may write a result twice).
 */
public final class ResultCollector implements AutoCloseable {

    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, List<JsonNode>> byId = new ConcurrentHashMap<>();
    private final Map<String, Long> firstArrivalNanos = new ConcurrentHashMap<>();
    private final List<String> unreadable = new CopyOnWriteArrayList<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    public ResultCollector(String bootstrap, Collection<String> topics) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "it-results-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TestBroker.MAX_MESSAGE_BYTES,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        consumer.subscribe(List.copyOf(topics));
        thread = Thread.ofPlatform().name("result-collector").daemon().start(this::loop);
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        JsonNode value = json.readTree(record.value());
                        String id = value.path("id").asText("");
                        firstArrivalNanos.putIfAbsent(id, System.nanoTime());
                        byId.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(value);
                    } catch (IOException e) {
                        unreadable.add(record.topic() + "-" + record.partition() + "@" + record.offset());
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    /** Number of distinct request ids with at least one result. */
    public int distinctIds() {
        return byId.size();
    }

    /** Total results, duplicates included. */
    public int total() {
        return byId.values().stream().mapToInt(List::size).sum();
    }

    public List<JsonNode> results(String id) {
        return byId.getOrDefault(id, List.of());
    }

    /** {@link System#nanoTime()} when the first result of {@code id} was read, if it was. */
    public java.util.OptionalLong firstArrivalNanos(String id) {
        Long t = firstArrivalNanos.get(id);
        return t == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(t);
    }

    /** Request ids whose first result was read at or after {@code fromNanos} and before {@code toNanos}. */
    public int firstArrivedBetween(long fromNanos, long toNanos) {
        return (int) firstArrivalNanos.values().stream().filter(t -> t >= fromNanos && t < toNanos).count();
    }

    /** Results of the same request read more than once: total results minus distinct ids. */
    public int duplicates() {
        return byId.values().stream().mapToInt(l -> l.size() - 1).sum();
    }

    public Set<String> ids() {
        return Set.copyOf(byId.keySet());
    }

    /** Records whose value was not JSON (should stay empty). */
    public List<String> unreadable() {
        return List.copyOf(unreadable);
    }

    /** The ids among {@code expected} that have no result yet. */
    public List<String> missing(Collection<String> expected) {
        List<String> missing = new ArrayList<>();
        for (String id : expected) {
            if (!byId.containsKey(id)) {
                missing.add(id);
            }
        }
        return missing;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(Duration.ofSeconds(10));
    }
}
