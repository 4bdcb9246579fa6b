package io.blip2stream.messaging;

import io.blip2stream.api.ChatTurn;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.WireResult;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Continuous batching through Kafka, on the real engine's decoding session: requests join the
 * running batch between steps and leave as each finishes, so a partition's results come out of
 * order; its committed offset still never passes a record whose result is not written. A session
 * that throws fails every request it held and the next requests get a fresh one; a request that
 * cannot join the full batch before its deadline expires while the batch runs.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class ContinuousBatchingTest {

    private static final String PREFIX = "cb-";
    /** New tokens of a long request, exactly (its minimum is its maximum). */
    private static final int LONG_TOKENS = 40;
    private static final int IMAGE_SEED = 400;

    @Inject
    DelayingEngine engine;

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "blip2.batching.mode")
    String mode;

    @ConfigProperty(name = "blip2.batching.max-batch-size")
    int maxBatch;

    @ConfigProperty(name = "blip2.deadline-ms")
    long deadlineMs;

    private final WireCodec codec = new WireCodec();
    private final byte[] image = TestImages.png(IMAGE_SEED);
    private Admin admin;

    @BeforeEach
    void setUp() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
        // the offsets below are read against a group with nothing left to do
        ServiceFlowTest.awaitNoInputLeft(Duration.ofSeconds(60));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)));
        assertThat(mode).as("the service's batching mode").isEqualTo("continuous");
    }

    @AfterEach
    void tearDown() {
        engine.delayMillis(0);
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }

    @Test
    void shortRequestsOvertakeALongOneOfTheirPartitionWhoseOffsetHoldsTheCommitBack() throws Exception {
        engine.delayEachStepMillis(100);   // the long request decodes 40 steps (~4 s), the short ones 2 or 3
        int partition = 0;
        String longId = PREFIX + "ooo-long";
        Map<String, Integer> shortTokens = new LinkedHashMap<>();
        for (int i = 0; i < 3; i++) {
            shortTokens.put(PREFIX + "ooo-short-" + i, 2 + i % 2);
        }
        TopicPartition tp = new TopicPartition(KafkaTestClient.QUESTIONS, partition);
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            Future<RecordMetadata> longSent = kafka.send(KafkaTestClient.QUESTIONS, partition, "ooo",
                    codec.encode(longQuestion(longId)), new RecordHeaders(), null);
            Map<String, Future<RecordMetadata>> shortSent = new LinkedHashMap<>();
            shortTokens.forEach((id, tokens) -> shortSent.put(id, kafka.send(KafkaTestClient.QUESTIONS, partition,
                    "ooo", codec.encode(shortQuestion(id, tokens)), new RecordHeaders(), null)));
            kafka.flush();
            long longOffset = longSent.get().offset();
            long lastOffset = longOffset;
            for (Future<RecordMetadata> f : shortSent.values()) {
                assertThat(f.get().offset()).as("a short request follows the long one in its partition")
                        .isGreaterThan(longOffset);
                lastOffset = Math.max(lastOffset, f.get().offset());
            }

            // the short requests' results are written while the long one still decodes
            KafkaTestClient.Outputs early = kafka.awaitOutputs(Duration.ofSeconds(30),
                    o -> ids(o.answers).containsAll(shortTokens.keySet()));
            assertThat(ids(early.answers)).doesNotContain(longId);
            // and however many records after it are done, the offset stays at the long one until it is
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(committed(tp)).as("committed offset of %s", tp)
                            .isLessThanOrEqualTo(longOffset));
            KafkaTestClient.Outputs late = kafka.awaitOutputs(Duration.ofSeconds(60),
                    o -> ids(o.answers).contains(longId));
            long endOffset = lastOffset + 1;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(committed(tp))
                    .as("committed offset of %s once the long request is done", tp).isEqualTo(endOffset));
            kafka.assertNothingMore(Duration.ofSeconds(1));

            List<ConsumerRecord<byte[], byte[]>> answers = new ArrayList<>(early.answers);
            answers.addAll(late.answers);
            assertThat(ids(answers)).containsExactlyInAnyOrderElementsOf(
                    concat(List.of(longId), shortTokens.keySet()));
            long longWritten = find(answers, longId).offset();
            Map<String, ResultRecord> results = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : answers) {
                WireResult w = codec.decodeResult(r.value());
                assertThat(w).as(w.id()).isInstanceOf(ResultRecord.class);
                results.put(w.id(), (ResultRecord) w);
                if (!w.id().equals(longId)) {
                    assertThat(r.offset()).as("%s is written before the long request's result", w.id())
                            .isLessThan(longWritten);
                }
            }
            ResultRecord longResult = results.get(longId);
            assertThat(longResult.finishReason()).isEqualTo("length");
            assertThat(longResult.tokenIds()).singleElement().satisfies(t -> assertThat(t).hasSize(LONG_TOKENS));
            shortTokens.forEach((id, tokens) -> {
                assertThat(results.get(id).source().offset()).isGreaterThan(longResult.source().offset());
                assertThat(results.get(id).batchSize()).as("%s decoded beside the long request", id)
                        .isGreaterThanOrEqualTo(2);
            });

            // joining a running batch changed nothing: each decodes what it decodes alone
            engine.delayMillis(0);
            assertAsAlone(longResult, new InferenceRequest(longId, image, longPrompt(),
                    GenerationOptions.merge(engine.defaultOptions(), longOptions(), Integer.MAX_VALUE)));
            for (Map.Entry<String, Integer> s : shortTokens.entrySet()) {
                assertAsAlone(results.get(s.getKey()), new InferenceRequest(s.getKey(), image,
                        new Prompt.Vqa(SHORT_QUESTION), GenerationOptions.merge(engine.defaultOptions(),
                        shortOptions(s.getValue()), Integer.MAX_VALUE)));
            }
        }
    }

    @Test
    void aSessionThatThrowsFailsEveryRequestItHeldAndTheNextRequestsGetAFreshOne() throws Exception {
        engine.delayEachStepMillis(50);   // a long request decodes 40 steps: ~2 s
        int partition = 1;
        TopicPartition tp = new TopicPartition(KafkaTestClient.QUESTIONS, partition);
        int opened = engine.sessionsOpened();
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            // a step throws: the requests decoding beside the culprit fail with it, none is lost
            List<String> stepMates = List.of(PREFIX + "step-mate-0", PREFIX + "step-mate-1");
            String stepFault = DelayingEngine.STEP_FAIL_PREFIX + PREFIX + "0";
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String id : stepMates) {
                sent.add(kafka.send(KafkaTestClient.QUESTIONS, partition, id, codec.encode(longQuestion(id)),
                        new RecordHeaders(), null));
            }
            sent.add(kafka.send(KafkaTestClient.QUESTIONS, partition, stepFault, codec.encode(shortQuestion(stepFault, 2)),
                    new RecordHeaders(), null));
            kafka.flush();
            List<String> stepFailed = concat(stepMates, List.of(stepFault));
            KafkaTestClient.Outputs stepOut = kafka.awaitOutputs(Duration.ofSeconds(30),
                    o -> ids(o.answers).containsAll(stepFailed) && dead(o).containsAll(stepFailed));
            assertFailedTogether(stepOut, stepFailed, "engine fault injected into a step");

            // admitting newcomers throws: the request already decoding fails with them
            String admitMate = PREFIX + "admit-mate";
            String admitFault = DelayingEngine.FAIL_PREFIX + PREFIX + "1";
            sent.add(kafka.send(KafkaTestClient.QUESTIONS, partition, admitMate, codec.encode(longQuestion(admitMate)),
                    new RecordHeaders(), null));
            kafka.flush();
            awaitAllAdmitted(1);
            sent.add(kafka.send(KafkaTestClient.QUESTIONS, partition, admitFault, codec.encode(shortQuestion(admitFault, 2)),
                    new RecordHeaders(), null));
            kafka.flush();
            List<String> admitFailed = List.of(admitMate, admitFault);
            KafkaTestClient.Outputs admitOut = kafka.awaitOutputs(Duration.ofSeconds(30),
                    o -> ids(o.answers).containsAll(admitFailed) && dead(o).containsAll(admitFailed));
            assertFailedTogether(admitOut, admitFailed, "engine fault injected while admitting");

            // a fresh session decodes what comes next
            String after = PREFIX + "after-faults";
            sent.add(kafka.send(KafkaTestClient.QUESTIONS, partition, after, codec.encode(shortQuestion(after, 3)),
                    new RecordHeaders(), null));
            kafka.flush();
            KafkaTestClient.Outputs afterOut = kafka.awaitOutputs(Duration.ofSeconds(30),
                    o -> ids(o.answers).contains(after));
            assertThat(codec.decodeResult(find(afterOut.answers, after).value())).isInstanceOf(ResultRecord.class);
            kafka.assertNothingMore(Duration.ofSeconds(1));

            // every record settled: the partition's offset moves past all of them
            long end = sent.getLast().get().offset() + 1;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(committed(tp)).isEqualTo(end));
            // each broken session was closed, and replaced
            assertThat(engine.sessionsOpened() - opened).as("sessions opened after a failure").isEqualTo(2);
            assertThat(engine.sessionsOpen()).isEqualTo(1);
        }
    }

    @Test
    void aRequestThatCannotJoinTheFullBatchInTimeExpiresWhileTheBatchRuns() throws Exception {
        engine.delayEachStepMillis(100);   // the full batch decodes 40 steps: ~4 s
        int partition = 2;
        long lateInMs = 1500;
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            List<String> full = new ArrayList<>();
            for (int i = 0; i < maxBatch; i++) {
                String id = PREFIX + "full-" + i;
                full.add(id);
                kafka.send(KafkaTestClient.QUESTIONS, partition, id, codec.encode(longQuestion(id)), new RecordHeaders(),
                        null);
            }
            kafka.flush();
            awaitAllAdmitted(maxBatch);

            String late = PREFIX + "deadline-late";
            String patient = PREFIX + "deadline-patient";
            // its deadline passes 1.5 s after it is sent, long before the batch has room
            kafka.send(KafkaTestClient.QUESTIONS, partition, late, codec.encode(shortQuestion(late, 2)), new RecordHeaders(),
                    System.currentTimeMillis() - deadlineMs + lateInMs);
            kafka.send(KafkaTestClient.QUESTIONS, partition, patient, codec.encode(shortQuestion(patient, 2)),
                    new RecordHeaders(), null);
            kafka.flush();

            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(60),
                    o -> ids(o.answers).containsAll(concat(full, List.of(late, patient))));
            kafka.assertNothingMore(Duration.ofSeconds(1));

            ConsumerRecord<byte[], byte[]> lateRecord = find(out.answers, late);
            assertThat(codec.decodeResult(lateRecord.value())).isInstanceOfSatisfying(ErrorResult.class, e -> {
                assertThat(e.error().code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED.name());
                assertThat(e.error().limit()).isEqualTo(deadlineMs);
            });
            assertThat(ids(out.dlq)).containsExactly(late);
            int mostTogether = 0;
            for (String id : full) {
                ConsumerRecord<byte[], byte[]> r = find(out.answers, id);
                assertThat(r.offset()).as("the late request expired while %s still decoded", id)
                        .isGreaterThan(lateRecord.offset());
                WireResult w = codec.decodeResult(r.value());
                assertThat(w).as(id).isInstanceOf(ResultRecord.class);
                mostTogether = Math.max(mostTogether, ((ResultRecord) w).batchSize());
            }
            assertThat(mostTogether).as("the batch was full").isEqualTo(maxBatch);
            // the request sent with it, with time to wait, waited for room and then decoded
            assertThat(codec.decodeResult(find(out.answers, patient).value())).isInstanceOfSatisfying(ResultRecord.class,
                    r -> assertThat(r.timingMs().queue()).as("ms waiting for room").isGreaterThan(lateInMs));
        }
    }

    private static final String SHORT_QUESTION = "what colour is it?";

    private QuestionRequest longQuestion(String id) {
        List<ChatTurn> history = List.of(new ChatTurn("what is it?", "a pattern"),
                new ChatTurn("which colours?", "red and blue"));
        return new QuestionRequest(id, Task.CHAT, "is it striped?", history, null, imageRef(), longOptions());
    }

    private static Prompt longPrompt() {
        return new Prompt.Chat(List.of(new Prompt.Turn("what is it?", "a pattern"),
                new Prompt.Turn("which colours?", "red and blue")), "is it striped?");
    }

    private static GenerationOverrides longOptions() {
        return GenerationOverrides.builder().maxNewTokens(LONG_TOKENS).minNewTokens(LONG_TOKENS).returnTokenIds(true)
                .build();
    }

    private QuestionRequest shortQuestion(String id, int tokens) {
        return new QuestionRequest(id, Task.VQA, SHORT_QUESTION, null, null, imageRef(), shortOptions(tokens));
    }

    private static GenerationOverrides shortOptions(int tokens) {
        return GenerationOverrides.builder().maxNewTokens(tokens).build();
    }

    private ImageRef imageRef() {
        return new ImageRef(Base64.getEncoder().encodeToString(image), null);
    }

    private void assertAsAlone(ResultRecord result, InferenceRequest request) {
        InferenceOutcome alone = engine.infer(List.of(request)).getFirst();
        assertThat(alone).isInstanceOf(InferenceOutcome.Success.class);
        InferenceOutcome.Sequence best = ((InferenceOutcome.Success) alone).sequences().getFirst();
        assertThat(result.text()).as(result.id()).isEqualTo(best.text());
        assertThat(result.finishReason()).as(result.id()).isEqualTo(best.finishReason().wire());
    }

    /** Each of {@code ids} has exactly one INFERENCE_FAILED result saying why, and one dead letter. */
    private void assertFailedTogether(KafkaTestClient.Outputs out, List<String> ids, String why) {
        assertThat(ids(out.answers)).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(dead(out)).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            assertThat(codec.decodeResult(find(out.answers, id).value())).as(id).isInstanceOfSatisfying(
                    ErrorResult.class, e -> {
                        assertThat(e.error().code()).isEqualTo(ErrorCode.INFERENCE_FAILED.name());
                        assertThat(e.error().message()).contains(why);
                    });
        }
    }

    /** Waits until {@code n} requests are in flight and none waits in the queue: all decoding. */
    private void awaitAllAdmitted(int n) {
        await().atMost(Duration.ofSeconds(30)).during(Duration.ofMillis(300)).pollInterval(Duration.ofMillis(20))
                .until(() -> gauge("blip2.queue.depth") == 0 && gauge("blip2.requests.in.flight") == n);
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private long committed(TopicPartition tp) throws Exception {
        String group = ConfigProvider.getConfig().getValue("blip2.consumer-group", String.class);
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return committed.getOrDefault(tp, new OffsetAndMetadata(0)).offset();
    }

    private static List<String> ids(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> ServiceFlowTest.header(r, WireHeaders.CORRELATION_ID)).toList();
    }

    private static List<String> dead(KafkaTestClient.Outputs out) {
        return ids(out.dlq);
    }

    private static ConsumerRecord<byte[], byte[]> find(List<ConsumerRecord<byte[], byte[]>> records, String id) {
        List<ConsumerRecord<byte[], byte[]>> found = records.stream()
                .filter(r -> id.equals(ServiceFlowTest.header(r, WireHeaders.CORRELATION_ID))).toList();
        assertThat(found).as("results for %s", id).hasSize(1);
        return found.getFirst();
    }

    private static List<String> concat(List<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
