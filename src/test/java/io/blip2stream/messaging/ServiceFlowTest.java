package io.blip2stream.messaging;

import io.blip2stream.api.ChatTurn;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.api.WireResult;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.micrometer.core.instrument.MeterRegistry;
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
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Images and questions in, exactly one result per request out, equal to the engine run directly. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class ServiceFlowTest {

    private static final int IMAGES = 12;
    private static final int QUESTIONS = 8;

    @Inject
    DelayingEngine engine;

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    @Inject
    MeterRegistry registry;

    private final WireCodec codec = new WireCodec();

    /** What was sent, by request id: the request as the engine sees it, and where it landed. */
    private record Sent(InferenceRequest request, Task task, String key, Future<RecordMetadata> metadata,
                        boolean tokenIds) {
    }

    @BeforeEach
    void serviceIsReady() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
        // records an earlier test class left uncommitted (a drain with records in flight) are done
        // first, so that no result but this test's arrives while it reads
        awaitNoInputLeft(Duration.ofSeconds(60));
        // latency per batch makes requests queue behind the running batch: batches of more than one
        engine.delayMillis(150);
    }

    @AfterEach
    void noLatency() {
        engine.delayMillis(0);
    }

    @Test
    void everyRequestGetsExactlyOneResultEqualToTheEngineAlone() throws Exception {
        GenerationOptions defaults = engine.defaultOptions();
        Map<String, Sent> sent = new HashMap<>();
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            for (int i = 0; i < IMAGES; i++) {
                byte[] image = TestImages.image(i, i % 2 == 0 ? "png" : "jpg");
                String id = "flow-image-" + i;
                String key = "key-" + i;
                RecordHeaders headers;
                Prompt prompt;
                Task task;
                switch (i % 4) {
                    case 0 -> { // id from blip2-id
                        headers = KafkaTestClient.headers(WireHeaders.ID, id);
                        prompt = new Prompt.Caption();
                        task = Task.CAPTION;
                    }
                    case 1 -> { // id from ce_id
                        headers = KafkaTestClient.headers(WireHeaders.CE_ID, id);
                        prompt = new Prompt.Caption();
                        task = Task.CAPTION;
                    }
                    case 2 -> { // id from the key
                        key = id;
                        headers = new RecordHeaders();
                        prompt = new Prompt.Caption();
                        task = Task.CAPTION;
                    }
                    default -> { // vqa through headers
                        headers = KafkaTestClient.headers(WireHeaders.ID, id, WireHeaders.TASK, "vqa",
                                WireHeaders.QUESTION, "what colour is it?");
                        prompt = new Prompt.Vqa("what colour is it?");
                        task = Task.VQA;
                    }
                }
                Future<RecordMetadata> meta = kafka.send(KafkaTestClient.IMAGES, key, image, headers);
                sent.put(id, new Sent(new InferenceRequest(id, image, prompt, defaults), task, key, meta, false));
            }
            for (int i = 0; i < QUESTIONS; i++) {
                byte[] image = TestImages.png(100 + i);
                String id = "flow-question-" + i;
                QuestionRequest q;
                Prompt prompt;
                GenerationOptions options = defaults;
                ImageRef ref = new ImageRef(Base64.getEncoder().encodeToString(image), null);
                switch (i % 4) {
                    case 0 -> {
                        q = new QuestionRequest(id, null, "what is in the picture?", null, null, ref, null);
                        prompt = new Prompt.Vqa("what is in the picture?");
                    }
                    case 1 -> {
                        List<ChatTurn> history = List.of(new ChatTurn("what is it?", "a pattern"));
                        q = new QuestionRequest(id, Task.CHAT, "which colours?", history, null, ref, null);
                        prompt = new Prompt.Chat(List.of(new Prompt.Turn("what is it?", "a pattern")), "which colours?");
                    }
                    case 2 -> {
                        GenerationOverrides wire = GenerationOverrides.builder().maxNewTokens(3).returnTokenIds(true).build();
                        q = new QuestionRequest(id, Task.CAPTION, null, null, null, ref, wire);
                        prompt = new Prompt.Caption();
                        options = GenerationOptions.merge(defaults, wire, Integer.MAX_VALUE);
                    }
                    default -> {
                        q = new QuestionRequest(id, Task.VQA, null, null, "Question: how many? Answer:", ref, null);
                        prompt = new Prompt.Raw("Question: how many? Answer:");
                    }
                }
                Future<RecordMetadata> meta = kafka.send(KafkaTestClient.QUESTIONS, "q-" + i, codec.encode(q),
                        new RecordHeaders());
                sent.put(id, new Sent(new InferenceRequest(id, image, prompt, options), q.taskOrDefault(), "q-" + i, meta,
                        q.optionsOrNone().wantsTokenIds()));
            }
            kafka.flush();

            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(120),
                    o -> o.results().size() >= IMAGES + QUESTIONS);
            // offsets are committed as results land: within a few commit intervals (200 ms) of the last
            // result, well before the 5 s of a periodic commit
            assertCommittedPast(sent.values(), Duration.ofSeconds(2));
            // nothing more arrives: exactly one result per request
            kafka.assertNothingMore(Duration.ofSeconds(2));
            engine.delayMillis(0);

            List<ResultRecord> results = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : out.results()) {
                WireResult result = codec.decodeResult(r.value());
                assertThat(result).as(new String(r.value(), StandardCharsets.UTF_8)).isInstanceOf(ResultRecord.class);
                ResultRecord rr = (ResultRecord) result;
                Sent s = sent.get(rr.id());
                assertThat(s).as("a result for an unknown id " + rr.id()).isNotNull();
                assertThat(r.topic()).isEqualTo(s.task().isCaption() ? KafkaTestClient.CAPTIONS : KafkaTestClient.ANSWERS);
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(s.key());
                RecordMetadata m = s.metadata().get();
                assertThat(rr.source().topic()).isEqualTo(m.topic());
                assertThat(rr.source().partition()).isEqualTo(m.partition());
                assertThat(rr.source().offset()).isEqualTo(m.offset());
                assertThat(rr.task()).isEqualTo(s.task());
                assertThat(rr.model()).isEqualTo(engine.modelName());
                assertCloudEventHeaders(r, rr);
                results.add(rr);
            }
            assertThat(results).extracting(ResultRecord::id).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(sent.keySet());
            assertThat(out.dlq).isEmpty();
            assertThat(results).extracting(ResultRecord::batchSize).anyMatch(size -> size > 1);

            for (ResultRecord rr : results) {
                InferenceOutcome alone = engine.infer(List.of(sent.get(rr.id()).request())).getFirst();
                assertThat(alone).isInstanceOf(InferenceOutcome.Success.class);
                InferenceOutcome.Sequence best = ((InferenceOutcome.Success) alone).sequences().getFirst();
                assertThat(rr.text()).as(rr.id()).isEqualTo(best.text());
                assertThat(rr.finishReason()).as(rr.id()).isEqualTo(best.finishReason().wire());
                if (sent.get(rr.id()).tokenIds()) {
                    assertThat(rr.tokenIds()).hasSize(1);
                    assertThat(rr.tokenIds().getFirst()).containsExactly(best.tokenIds());
                } else {
                    assertThat(rr.tokenIds()).isNull();
                }
            }
        }
    }

    /** Waits until the group's committed offsets are at the end of every input partition. */
    static void awaitNoInputLeft(Duration within) throws Exception {
        String group = ConfigProvider.getConfig().getValue("blip2.consumer-group", String.class);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : List.of(KafkaTestClient.IMAGES, KafkaTestClient.QUESTIONS)) {
            for (int p = 0; p < KafkaBrokerResource.INPUT_PARTITIONS; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)))) {
            await().atMost(within).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                admin.listOffsets(latest).all().get().forEach((tp, end) -> assertThat(
                        committed.getOrDefault(tp, new OffsetAndMetadata(0)).offset()).as("committed offset of %s", tp)
                        .isEqualTo(end.offset()));
            });
        }
    }

    /** The group's committed offsets pass every sent record within {@code within}; the commits are on the metrics. */
    private void assertCommittedPast(Collection<Sent> sent, Duration within) throws Exception {
        String group = ConfigProvider.getConfig().getValue("blip2.consumer-group", String.class);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)))) {
            await().atMost(within).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                for (Sent s : sent) {
                    RecordMetadata m = s.metadata().get();
                    OffsetAndMetadata c = committed.get(new TopicPartition(m.topic(), m.partition()));
                    assertThat(c == null ? 0 : c.offset()).as("committed offset of %s-%d", m.topic(), m.partition())
                            .isGreaterThan(m.offset());
                }
            });
        }
        assertThat(registry.get("blip2.offset.commits").tag("outcome", "committed").counter().count())
                .as("offset commits counted").isPositive();
        assertThat(registry.get("blip2.offset.commit").timer().count()).as("commit latencies recorded").isPositive();
    }

    private static void assertCloudEventHeaders(ConsumerRecord<byte[], byte[]> r, ResultRecord rr) {
        assertThat(header(r, WireHeaders.CE_SPECVERSION)).isEqualTo("1.0");
        assertThat(header(r, WireHeaders.CE_TYPE))
                .isEqualTo(rr.task().isCaption() ? WireHeaders.CE_TYPE_CAPTION : WireHeaders.CE_TYPE_ANSWER);
        assertThat(header(r, WireHeaders.CE_SOURCE)).isEqualTo("/blip2-stream");
        assertThat(header(r, WireHeaders.CE_ID)).isEqualTo(rr.source().asId());
        assertThat(header(r, WireHeaders.CORRELATION_ID)).isEqualTo(rr.id());
        assertThat(header(r, WireHeaders.CONTENT_TYPE)).isEqualTo("application/json");
        assertThat(header(r, WireHeaders.CE_TIME)).isNotBlank();
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
