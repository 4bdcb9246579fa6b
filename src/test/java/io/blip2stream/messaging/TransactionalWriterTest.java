package io.blip2stream.messaging;

import io.blip2stream.testing.KafkaBrokerExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The transactional writer against a real broker and a real consumer group member: an aborted
 * transaction commits nothing and the retry writes each result once with its offsets; a fenced
 * producer nacks every record and commits nothing.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TransactionalWriterTest {

    private static final int RECORDS = 6;
    private static final String CHANNEL = "in";

    private String input;
    private String output;
    private String group;
    private String transactionalId;
    private Admin admin;
    private KafkaConsumer<byte[], byte[]> member;
    private TransactionalWriter<String> writer;
    private final List<String> acked = new CopyOnWriteArrayList<>();
    private final Map<String, Throwable> nacked = new ConcurrentHashMap<>();
    /** "committed N" or "aborted N" per transaction, in order. */
    private final List<String> transactions = new CopyOnWriteArrayList<>();

    private final TransactionalWriter.Settler<String> settler = new TransactionalWriter.Settler<>() {
        @Override
        public void ack(String item) {
            acked.add(item);
        }

        @Override
        public void nack(String item, Throwable why) {
            nacked.put(item, why);
        }

        @Override
        public void transactionEnded(boolean committed, int records) {
            transactions.add((committed ? "committed " : "aborted ") + records);
        }
    };

    @BeforeEach
    void topicsAndRecords() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        input = "tw-in-" + run;
        output = "tw-out-" + run;
        group = "tw-group-" + run;
        transactionalId = "tw-tx-" + run;
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 1, (short) 1))).all().get();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                p.send(new ProducerRecord<>(input, i % 2, null, bytes("r" + i))).get();
            }
        }
        member = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (writer != null) {
            writer.close(Duration.ofSeconds(5));
        }
        member.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Producer<byte[], byte[]> transactionalProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Joins the group, reads every input record and registers them all with the writer.
     *
     * @return the registered items (the writer knows an item by its identity), in the order received
     */
    private List<String> receiveAll() {
        member.subscribe(List.of(input));
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollDelay(Duration.ZERO).until(() -> {
            member.poll(Duration.ofMillis(200)).forEach(records::add);
            return records.size() == RECORDS;
        });
        int generation = member.groupMetadata().generationId();
        writer.assigned(CHANNEL, member.assignment(), generation);
        List<String> items = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String item = item(r);
            writer.received(new TopicPartition(r.topic(), r.partition()), r.offset(), generation, item);
            items.add(item);
        }
        return items;
    }

    private static String item(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    /** Finishes every record, last first, each with one result record echoing its value. */
    private void finishAll(List<String> items) {
        for (String item : items.reversed()) {
            writer.finished(item, List.of(new ProducerRecord<>(output, bytes("result-" + item))));
        }
    }

    /** What a read_committed consumer sees on the output topic (called once every record is settled). */
    private List<String> committedOutput() {
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(output, 0);
            reader.assign(List.of(tp));
            reader.seekToBeginning(List.of(tp));
            long stable = reader.endOffsets(List.of(tp)).get(tp); // read_committed: the last stable offset
            await().atMost(Duration.ofSeconds(20)).pollInSameThread().pollDelay(Duration.ZERO).until(() -> {
                reader.poll(Duration.ofMillis(100)).forEach(r -> seen.add(item(r)));
                return reader.position(tp) >= stable;
            });
        }
        return seen;
    }

    private Map<TopicPartition, OffsetAndMetadata> committedOffsets() throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    }

    @Test
    void anAbortedTransactionCommitsNothingAndTheRetryWritesEachResultOnceWithItsOffsets() throws Exception {
        // given: the first transaction sends its offsets with a stale group generation, which the
        // group coordinator refuses
        AtomicInteger calls = new AtomicInteger();
        Function<String, ConsumerGroupMetadata> groups = channel -> {
            assertThat(channel).isEqualTo(CHANNEL);
            ConsumerGroupMetadata current = member.groupMetadata();
            return calls.getAndIncrement() == 0
                    ? new ConsumerGroupMetadata(group, current.generationId() + 1, current.memberId(), Optional.empty())
                    : current;
        };
        writer = new TransactionalWriter<>(this::transactionalProducer, groups, settler, 3, Duration.ofMillis(50));
        writer.start("test-transactions");
        List<String> items = receiveAll();

        // when
        finishAll(items);

        // then
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(acked).as("nacked %s", nacked).hasSize(RECORDS));
        assertThat(calls.get()).as("an aborted attempt, then a committed one").isGreaterThanOrEqualTo(2);
        assertThat(transactions).as("reported to the metrics").first().asString().startsWith("aborted ");
        assertThat(transactions).filteredOn(t -> t.startsWith("committed ")).isNotEmpty()
                .allSatisfy(t -> assertThat(Integer.parseInt(t.substring("committed ".length()))).isPositive());
        assertThat(transactions.stream().filter(t -> t.startsWith("committed "))
                .mapToInt(t -> Integer.parseInt(t.substring("committed ".length()))).sum())
                .as("every record committed once").isEqualTo(RECORDS);
        assertThat(nacked).isEmpty();
        assertThat(writer.alive()).isTrue();
        assertThat(acked).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4", "r5");
        assertThat(committedOutput()).containsExactlyInAnyOrder(
                "result-r0", "result-r1", "result-r2", "result-r3", "result-r4", "result-r5");
        assertThat(committedOffsets()).containsExactlyInAnyOrderEntriesOf(Map.of(
                new TopicPartition(input, 0), new OffsetAndMetadata(3),
                new TopicPartition(input, 1), new OffsetAndMetadata(3)));
    }

    @Test
    void aFencedProducerNacksEveryRecordAndCommitsNothing() throws Exception {
        // given: a second producer with the same transactional.id fences the writer's
        writer = new TransactionalWriter<>(this::transactionalProducer, channel -> member.groupMetadata(), settler,
                3, Duration.ofMillis(50));
        writer.start("test-transactions");
        List<String> items = receiveAll();
        try (Producer<byte[], byte[]> usurper = transactionalProducer()) {
            usurper.initTransactions();

            // when
            finishAll(items);

            // then
            await().atMost(Duration.ofSeconds(30)).until(() -> nacked.size() == RECORDS);
        }
        assertThat(writer.alive()).isFalse();
        assertThat(acked).isEmpty();
        assertThat(committedOutput()).isEmpty();
        assertThat(committedOffsets()).isEmpty();
    }
}
