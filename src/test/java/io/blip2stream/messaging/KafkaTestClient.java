package io.blip2stream.messaging;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.ConfigProvider;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/** Produces requests and reads what the service wrote after a given point, on the test broker. */
final class KafkaTestClient implements AutoCloseable {

    static final String IMAGES = KafkaBrokerResource.IMAGES;
    static final String QUESTIONS = KafkaBrokerResource.QUESTIONS;
    static final String CAPTIONS = KafkaBrokerResource.CAPTIONS;
    static final String ANSWERS = KafkaBrokerResource.ANSWERS;
    static final String DLQ = KafkaBrokerResource.DLQ;
    private static final List<String> OUTPUTS = List.of(CAPTIONS, ANSWERS, DLQ);

    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;

    /** Starts reading the output topics from their current ends, uncommitted records included. */
    KafkaTestClient() {
        this(false);
    }

    /**
     * Starts reading the output topics from their current ends.
     *
     * @param readCommitted read only records of committed transactions ({@code isolation.level=read_committed})
     */
    KafkaTestClient(boolean readCommitted) {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, KafkaBrokerResource.MAX_MESSAGE_BYTES,
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new ByteArraySerializer(), new ByteArraySerializer());
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, KafkaBrokerResource.MAX_MESSAGE_BYTES * 2),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String topic : OUTPUTS) {
            consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        parts.forEach(consumer::position); // resolves the lazy seek now, before any request is sent
    }

    /** Waits until both input channels' consumers hold their partitions (the group has settled). */
    static void awaitAssigned(KafkaClientService clients) {
        await().atMost(Duration.ofSeconds(60)).until(() -> Stream.of(Channels.IMAGES_IN, Channels.QUESTIONS_IN)
                .allMatch(channel -> {
                    var consumer = clients.getConsumer(channel);
                    return consumer != null
                            && !consumer.getAssignments().await().atMost(Duration.ofSeconds(10)).isEmpty();
                }));
    }

    static RecordHeaders headers(String... namesAndValues) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }

    Future<RecordMetadata> send(String topic, String key, byte[] value, RecordHeaders headers) {
        return send(topic, key, value, headers, null);
    }

    Future<RecordMetadata> send(String topic, String key, byte[] value, RecordHeaders headers, Long timestamp) {
        return send(topic, null, key, value, headers, timestamp);
    }

    /** Sends to {@code partition} of {@code topic} (null: the key's partition), with a record timestamp (null: now). */
    Future<RecordMetadata> send(String topic, Integer partition, String key, byte[] value, RecordHeaders headers,
                                Long timestamp) {
        byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
        return producer.send(new ProducerRecord<>(topic, partition, timestamp, k, value, headers));
    }

    RecordMetadata sendAndWait(String topic, String key, byte[] value, RecordHeaders headers)
            throws ExecutionException, InterruptedException {
        return send(topic, key, value, headers).get();
    }

    void flush() {
        producer.flush();
    }

    /** Everything written to the output topics since this client started, once {@code done} holds. */
    Outputs awaitOutputs(Duration timeout, Predicate<Outputs> done) {
        Outputs out = new Outputs();
        await().atMost(timeout).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        out.add(r);
                    }
                    return done.test(out);
                });
        return out;
    }

    /**
     * Everything written to the output topics since this client started (or its last read), once
     * nothing more has arrived for {@code quiet}: for when how many records will come is not known.
     */
    Outputs awaitQuiet(Duration quiet, Duration atMost) {
        Outputs out = new Outputs();
        await().during(quiet).atMost(atMost.plus(quiet)).pollInSameThread().pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    var records = consumer.poll(Duration.ofMillis(100));
                    records.forEach(out::add);
                    return records.isEmpty();
                });
        return out;
    }

    /** Asserts that nothing more is written to the output topics for {@code quiet}. */
    void assertNothingMore(Duration quiet) {
        await().during(quiet).atMost(quiet.plusSeconds(5)).pollInSameThread().pollInterval(Duration.ofMillis(50))
                .until(() -> consumer.poll(Duration.ofMillis(100)).isEmpty());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        consumer.close(Duration.ofSeconds(5));
    }

    /** Records read from the output topics, by topic. */
    static final class Outputs {
        final List<ConsumerRecord<byte[], byte[]>> captions = new ArrayList<>();
        final List<ConsumerRecord<byte[], byte[]>> answers = new ArrayList<>();
        final List<ConsumerRecord<byte[], byte[]>> dlq = new ArrayList<>();

        void add(ConsumerRecord<byte[], byte[]> r) {
            switch (r.topic()) {
                case CAPTIONS -> captions.add(r);
                case ANSWERS -> answers.add(r);
                default -> dlq.add(r);
            }
        }

        List<ConsumerRecord<byte[], byte[]>> results() {
            List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>(captions);
            all.addAll(answers);
            return all;
        }
    }
}
