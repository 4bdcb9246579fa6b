package io.blip2stream.messaging;

import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.WireResult;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly-once delivery: a {@code read_committed} consumer sees exactly one result per request
 * and a dead letter per bad one, all written in transactions, and the consumer group's offsets
 * reach the end of every input partition. Records that continuous batching finishes out of order
 * are written in their partition's order.
 */
@QuarkusTest
@TestProfile(ExactlyOnceDeliveryTest.ExactlyOnce.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class ExactlyOnceDeliveryTest {

    private static final int IMAGES = 8;
    private static final int QUESTIONS = 6;
    private static final String PREFIX = "eos-";

    /** The service with {@code blip2.delivery=exactly-once}. */
    public static class ExactlyOnce implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("blip2.delivery", "exactly-once", "blip2.kafka.transactional-id-prefix", "blip2-eos-test");
        }
    }

    @Inject
    DelayingEngine engine;

    @Inject
    StreamService service;

    @Inject
    ExactlyOnceDelivery delivery;

    @Inject
    KafkaClientService kafkaClients;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private final WireCodec codec = new WireCodec();

    @BeforeEach
    void serviceIsReady() {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
        // batches take a while: records refused at once finish before earlier records of their partition
        engine.delayMillis(100);
    }

    @AfterEach
    void noLatency() {
        engine.delayMillis(0);
    }

    @Test
    @Order(1)
    void inputChannelsCommitOnlyThroughTransactionsAndReadCommittedInput() {
        Config config = ConfigProvider.getConfig();
        for (String channel : List.of(Channels.IMAGES_IN, Channels.QUESTIONS_IN)) {
            String prefix = "mp.messaging.incoming." + channel + ".";
            assertThat(config.getValue(prefix + "commit-strategy", String.class)).isEqualTo("ignore");
            assertThat(config.getValue(prefix + "isolation.level", String.class)).isEqualTo("read_committed");
            assertThat(config.getValue(prefix + "consumer-rebalance-listener.name", String.class))
                    .isEqualTo(ExactlyOnceDelivery.PARTITION_LISTENER);
        }
        assertThat(delivery.transactionalId()).startsWith("blip2-eos-test-").hasSizeGreaterThan("blip2-eos-test-".length());
        assertThat(delivery.alive()).isTrue();
    }

    @Test
    @Order(2)
    void readCommittedConsumersSeeExactlyOneResultPerRequestAndOffsetsReachTheEnd() throws Exception {
        Map<String, Future<RecordMetadata>> good = new HashMap<>();
        Map<String, Future<RecordMetadata>> bad = new HashMap<>();
        Map<String, ErrorCode> badCodes = Map.of(PREFIX + "bad-json", ErrorCode.INVALID_REQUEST,
                PREFIX + "bad-image", ErrorCode.INVALID_IMAGE);
        try (KafkaTestClient kafka = new KafkaTestClient(true)) {
            for (int i = 0; i < IMAGES; i++) {
                String id = PREFIX + "image-" + i;
                good.put(id, kafka.send(KafkaTestClient.IMAGES, "k-" + id, TestImages.image(i, i % 2 == 0 ? "png" : "jpg"),
                        KafkaTestClient.headers(WireHeaders.ID, id)));
                if (i == IMAGES / 2) {
                    bad.put(PREFIX + "bad-image", kafka.send(KafkaTestClient.IMAGES, "k-bad-image",
                            "not an image".getBytes(StandardCharsets.UTF_8),
                            KafkaTestClient.headers(WireHeaders.ID, PREFIX + "bad-image")));
                }
            }
            for (int i = 0; i < QUESTIONS; i++) {
                String id = PREFIX + "question-" + i;
                ImageRef ref = new ImageRef(Base64.getEncoder().encodeToString(TestImages.png(200 + i)), null);
                good.put(id, kafka.send(KafkaTestClient.QUESTIONS, "k-" + id,
                        codec.encode(new QuestionRequest(id, null, "what is it?", null, null, ref, null)),
                        new RecordHeaders()));
                if (i == QUESTIONS / 2) {
                    bad.put(PREFIX + "bad-json", kafka.send(KafkaTestClient.QUESTIONS, "k-bad-json",
                            "{\"question\": ".getBytes(StandardCharsets.UTF_8),
                            KafkaTestClient.headers(WireHeaders.ID, PREFIX + "bad-json")));
                }
            }
            kafka.flush();

            int expected = good.size() + bad.size();
            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(60),
                    o -> ours(o.results()).size() >= expected && ours(o.dlq).size() >= bad.size());
            kafka.assertNothingMore(Duration.ofSeconds(2));

            // exactly one result per request
            Map<String, WireResult> results = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : ours(out.results())) {
                WireResult w = codec.decodeResult(r.value());
                assertThat(results.put(w.id(), w)).as("one result for " + w.id()).isNull();
                RecordMetadata m = (good.containsKey(w.id()) ? good : bad).get(w.id()).get();
                assertThat(w.source().topic()).isEqualTo(m.topic());
                assertThat(w.source().partition()).isEqualTo(m.partition());
                assertThat(w.source().offset()).isEqualTo(m.offset());
                assertThat(ServiceFlowTest.header(r, WireHeaders.CE_ID)).isEqualTo(w.source().asId());
            }
            assertThat(results.keySet()).containsExactlyInAnyOrderElementsOf(
                    Stream.concat(good.keySet().stream(), bad.keySet().stream()).toList());
            good.keySet().forEach(id -> assertThat(results.get(id)).as(id).isInstanceOf(ResultRecord.class));
            badCodes.forEach((id, code) -> assertThat(results.get(id)).as(id).isInstanceOfSatisfying(ErrorResult.class,
                    e -> assertThat(e.error().code()).isEqualTo(code.name())));

            // one dead letter per bad request, the original record with its coordinates
            Map<String, ConsumerRecord<byte[], byte[]>> dead = ours(out.dlq).stream().collect(Collectors.toMap(
                    d -> ServiceFlowTest.header(d, WireHeaders.CORRELATION_ID), Function.identity()));
            assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(bad.keySet());
            for (Map.Entry<String, Future<RecordMetadata>> b : bad.entrySet()) {
                ConsumerRecord<byte[], byte[]> d = dead.get(b.getKey());
                RecordMetadata m = b.getValue().get();
                assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_CAUSE)).isEqualTo(badCodes.get(b.getKey()).name());
                assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_TOPIC)).isEqualTo(m.topic());
                assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_PARTITION)).isEqualTo(Integer.toString(m.partition()));
                assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_OFFSET)).isEqualTo(Long.toString(m.offset()));
            }

            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)))) {
                // written in transactions: a commit marker follows the last record of each output topic
                for (ConsumerRecord<byte[], byte[]> last : List.of(last(out.captions), last(out.answers), last(out.dlq))) {
                    TopicPartition tp = new TopicPartition(last.topic(), last.partition());
                    long end = admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
                    assertThat(end).as("end of %s after a commit marker", tp).isEqualTo(last.offset() + 2);
                }
                // the group's offsets reach the end of every input partition
                List<TopicPartition> inputs = new ArrayList<>();
                for (String topic : List.of(KafkaTestClient.IMAGES, KafkaTestClient.QUESTIONS)) {
                    for (int p = 0; p < KafkaBrokerResource.INPUT_PARTITIONS; p++) {
                        inputs.add(new TopicPartition(topic, p));
                    }
                }
                Map<TopicPartition, OffsetSpec> latest = inputs.stream()
                        .collect(Collectors.toMap(Function.identity(), tp -> OffsetSpec.latest()));
                String group = ConfigProvider.getConfig().getValue("blip2.consumer-group", String.class);
                // records left uncommitted by earlier test classes are read again and committed too
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Map<TopicPartition, Long> ends = new HashMap<>();
                    admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
                    Map<TopicPartition, OffsetAndMetadata> committed =
                            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                    for (TopicPartition tp : inputs) {
                        long offset = committed.getOrDefault(tp, new OffsetAndMetadata(0)).offset();
                        assertThat(offset).as("committed offset of %s", tp).isEqualTo(ends.get(tp));
                    }
                });
            }
            // the transactions are on the metrics: at least one request per committed record
            assertThat(registry.get("blip2.transactions").tag("outcome", "committed").counter().count()).isPositive();
            assertThat(registry.get("blip2.transaction.records").counter().count())
                    .isGreaterThanOrEqualTo(good.size() + bad.size());
        }
    }

    /**
     * Continuous batching finishes the records of a partition out of order; exactly-once writes a
     * partition's results in offset order, each with its offset. The short requests behind a long
     * one finish first but wait for it; those of another partition do not.
     */
    @Test
    @Order(3)
    void resultsFinishedOutOfOrderAreWrittenInTheOrderOfTheirPartition() throws Exception {
        engine.delayEachStepMillis(50);   // the long request decodes 40 steps: ~2 s
        String longId = PREFIX + "ooo-long";
        List<String> behind = List.of(PREFIX + "ooo-behind-0", PREFIX + "ooo-behind-1");
        List<String> beside = List.of(PREFIX + "ooo-beside-0", PREFIX + "ooo-beside-1");
        ImageRef ref = new ImageRef(Base64.getEncoder().encodeToString(TestImages.png(250)), null);
        GenerationOverrides longOptions = GenerationOverrides.builder().maxNewTokens(40).minNewTokens(40).build();
        GenerationOverrides shortOptions = GenerationOverrides.builder().maxNewTokens(2).build();
        Map<TopicPartition, Long> ends = new HashMap<>();
        try (KafkaTestClient kafka = new KafkaTestClient(true)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            sent.add(kafka.send(KafkaTestClient.QUESTIONS, 0, longId, codec.encode(new QuestionRequest(longId, null,
                    "what is it?", null, null, ref, longOptions)), new RecordHeaders(), null));
            for (String id : behind) {
                sent.add(kafka.send(KafkaTestClient.QUESTIONS, 0, id, codec.encode(new QuestionRequest(id, null,
                        "what is it?", null, null, ref, shortOptions)), new RecordHeaders(), null));
            }
            for (String id : beside) {
                sent.add(kafka.send(KafkaTestClient.QUESTIONS, 1, id, codec.encode(new QuestionRequest(id, null,
                        "what is it?", null, null, ref, shortOptions)), new RecordHeaders(), null));
            }
            kafka.flush();
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get();
                ends.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
            }
            List<String> all = new ArrayList<>(List.of(longId));
            all.addAll(behind);
            all.addAll(beside);

            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(60),
                    o -> ids(ours(o.answers)).containsAll(all));
            kafka.assertNothingMore(Duration.ofSeconds(1));

            List<String> ids = ids(ours(out.answers));
            assertThat(ids).containsExactlyInAnyOrderElementsOf(all);
            Map<String, ResultRecord> results = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : ours(out.answers)) {
                WireResult w = codec.decodeResult(r.value());
                assertThat(w).as(w.id()).isInstanceOf(ResultRecord.class);
                results.put(w.id(), (ResultRecord) w);
            }
            // another partition does not wait for the long request
            for (String id : beside) {
                assertThat(ids.indexOf(id)).as("%s before the long request", id).isLessThan(ids.indexOf(longId));
            }
            // its own partition's results follow it, in offset order, though they finished long before it
            assertThat(ids.indexOf(longId)).isLessThan(ids.indexOf(behind.get(0)));
            assertThat(ids.indexOf(behind.get(0))).isLessThan(ids.indexOf(behind.get(1)));
            double longTotal = results.get(longId).timingMs().total();
            for (String id : behind) {
                assertThat(results.get(id).timingMs().total()).as("ms from %s's arrival to its result", id)
                        .isLessThan(longTotal / 2);
            }
            // and the offsets of both partitions reach their ends
            String group = ConfigProvider.getConfig().getValue("blip2.consumer-group", String.class);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)))) {
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed =
                            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                    ends.forEach((tp, end) -> assertThat(committed.get(tp)).as("committed offset of %s", tp)
                            .isNotNull().extracting(OffsetAndMetadata::offset).isEqualTo(end));
                });
            }
        }
    }

    /**
     * Last: it stops the service. The connector closes its consumers when the drain cancels the
     * subscriptions, so records still in flight then can no longer be committed (their consumer
     * left the group): each record ends up either committed with its one result, or uncommitted
     * with none, for the partition's next owner.
     */
    @Test
    @Order(4)
    void aDrainLeavesEveryRecordEitherCommittedWithItsResultOrUncommittedWithout() throws Exception {
        engine.delayMillis(300);
        Map<String, Future<RecordMetadata>> sent = new HashMap<>();
        try (KafkaTestClient kafka = new KafkaTestClient(true)) {
            // a long request first in partition 0: records behind it finish first and wait for it
            String longId = PREFIX + "drain-long";
            sent.put(longId, kafka.send(KafkaTestClient.IMAGES, 0, "k-" + longId, TestImages.png(299),
                    KafkaTestClient.headers(WireHeaders.ID, longId, WireHeaders.OPTIONS,
                            "{\"max_new_tokens\":40,\"min_new_tokens\":40}"), null));
            for (int i = 0; i < IMAGES; i++) {
                String id = PREFIX + "drain-" + i;
                sent.put(id, kafka.send(KafkaTestClient.IMAGES, "k-" + id, TestImages.png(300 + i),
                        KafkaTestClient.headers(WireHeaders.ID, id)));
            }
            kafka.flush();
            List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>(
                    ours(kafka.awaitOutputs(Duration.ofSeconds(30), o -> !ours(o.results()).isEmpty()).results()));

            // when
            boolean drained = service.drain();

            // then
            // the drain's last transactions may become visible a while after it returns
            seen.addAll(ours(kafka.awaitQuiet(Duration.ofSeconds(2), Duration.ofSeconds(15)).results()));
            assertThat(drained).isTrue();
            assertThat(delivery.alive()).isTrue();
            List<String> ids = seen.stream().map(r -> ServiceFlowTest.header(r, WireHeaders.CORRELATION_ID)).toList();
            assertThat(ids).doesNotHaveDuplicates().isNotEmpty();
            Map<TopicPartition, OffsetAndMetadata> committed;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)))) {
                committed = admin.listConsumerGroupOffsets(ConfigProvider.getConfig()
                        .getValue("blip2.consumer-group", String.class)).partitionsToOffsetAndMetadata().get();
            }
            for (Map.Entry<String, Future<RecordMetadata>> e : sent.entrySet()) {
                RecordMetadata m = e.getValue().get();
                long next = committed.getOrDefault(new TopicPartition(m.topic(), m.partition()), new OffsetAndMetadata(0)).offset();
                assertThat(ids.contains(e.getKey())).as("%s (offset %d, committed %d) has a result", e.getKey(), m.offset(), next)
                        .isEqualTo(m.offset() < next);
            }
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> ours(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().filter(r -> {
            String id = ServiceFlowTest.header(r, WireHeaders.CORRELATION_ID);
            return id != null && id.startsWith(PREFIX);
        }).toList();
    }

    private static List<String> ids(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> ServiceFlowTest.header(r, WireHeaders.CORRELATION_ID)).toList();
    }

    private static ConsumerRecord<byte[], byte[]> last(List<ConsumerRecord<byte[], byte[]>> records) {
        assertThat(records).isNotEmpty();
        return records.getLast();
    }
}
