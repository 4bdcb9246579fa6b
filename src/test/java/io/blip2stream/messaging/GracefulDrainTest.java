package io.blip2stream.messaging;

import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.WireResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful stop (what SIGTERM runs) in continuous batching, at-least-once: the drain finishes the
 * running decoding batch and admits what still waits for room, so every consumed record gets its
 * one result (finished out of order), and the worker's decoding session is closed. Its own
 * application (the drain stops it), with a drain timeout that leaves room for a slow machine.
 *
 * <p>The consumers are closed only after every record taken is settled, so the partition's committed
 * offset is past every record sent: nothing is read again after the stop.
 */
@QuarkusTest
@TestProfile(GracefulDrainTest.LongerDrain.class)
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class GracefulDrainTest {

    private static final String PREFIX = "drain-";

    /** The service with 20 s to drain (5 s in the test configuration). */
    public static class LongerDrain implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("blip2.shutdown-timeout-ms", "20000");
        }
    }

    @Inject
    DelayingEngine engine;

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "blip2.batching.max-batch-size")
    int maxBatch;

    private final WireCodec codec = new WireCodec();

    @BeforeEach
    void serviceIsReady() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
        // records an earlier application left uncommitted are done first
        ServiceFlowTest.awaitNoInputLeft(Duration.ofSeconds(60));
    }

    @AfterEach
    void noLatency() {
        engine.delayMillis(0);
    }

    @Test
    void aDrainFinishesTheRunningBatchAndTheRequestsWaitingForRoomAndCommitsThemAll() throws Exception {
        engine.delayEachStepMillis(100);   // the longest requests decode 40 steps: ~4 s
        int partition = 0;
        byte[] image = TestImages.png(500);
        // one partition: a full batch of long and shorter requests in turn, then two that wait for room
        Map<String, Integer> tokens = new LinkedHashMap<>();
        for (int i = 0; i < maxBatch; i++) {
            tokens.put(PREFIX + "running-" + i, i % 2 == 0 ? 40 : 20);
        }
        List<String> waiting = List.of(PREFIX + "waiting-0", PREFIX + "waiting-1");
        waiting.forEach(id -> tokens.put(id, 2));
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            tokens.forEach((id, n) -> sent.add(kafka.send(KafkaTestClient.QUESTIONS, partition, id,
                    codec.encode(question(id, n, image)), new RecordHeaders(), null)));
            kafka.flush();
            sent.getLast().get();
            // every record consumed: a full batch decoding, the last two queued for room
            await().atMost(Duration.ofSeconds(30)).during(Duration.ofMillis(300)).pollInterval(Duration.ofMillis(20))
                    .until(() -> gauge("blip2.requests.in.flight") == tokens.size()
                            && gauge("blip2.queue.depth") == waiting.size());
            assertThat(engine.sessionsOpen()).isEqualTo(1);
            KafkaTestClient.Outputs before = kafka.awaitOutputs(Duration.ofSeconds(5), o -> true);
            List<String> longest = tokens.entrySet().stream().filter(e -> e.getValue() == 40).map(Map.Entry::getKey)
                    .toList();

            // when
            boolean drained = service.drain();

            // then
            assertThat(drained).isTrue();
            assertThat(service.state()).isEqualTo(StreamService.State.STOPPED);
            assertThat(engine.sessionsOpen()).as("the worker's session is closed").isZero();
            long end = sent.stream().mapToLong(f -> {
                try {
                    return f.get().offset() + 1;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).max().orElseThrow();
            TopicPartition tp = new TopicPartition(KafkaTestClient.QUESTIONS, partition);
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class)))) {
                String group = ConfigProvider.getConfig().getValue("blip2.consumer-group", String.class);
                var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(tp);
                assertThat(committed).as("committed offset of %s after the drain", tp).isNotNull();
                assertThat(committed.offset()).as("committed offset of %s after the drain", tp).isEqualTo(end);
            }
            KafkaTestClient.Outputs after = kafka.awaitOutputs(Duration.ofSeconds(10),
                    o -> before.answers.size() + o.answers.size() >= tokens.size());
            kafka.assertNothingMore(Duration.ofSeconds(1));
            List<ConsumerRecord<byte[], byte[]>> answers = new ArrayList<>(before.answers);
            answers.addAll(after.answers);
            List<String> ids = answers.stream().map(r -> ServiceFlowTest.header(r, WireHeaders.CORRELATION_ID))
                    .toList();
            assertThat(ids).containsExactlyInAnyOrderElementsOf(tokens.keySet());
            assertThat(ids.subList(0, before.answers.size())).as("written before the drain began")
                    .doesNotContainAnyElementsOf(longest).doesNotContainAnyElementsOf(waiting);
            for (ConsumerRecord<byte[], byte[]> r : answers) {
                WireResult w = codec.decodeResult(r.value());
                assertThat(w).as(w.id()).isInstanceOf(ResultRecord.class);
                if (tokens.get(w.id()) > 2) {
                    assertThat(((ResultRecord) w).finishReason()).as(w.id()).isEqualTo("length");
                }
            }
            // out of order: the waiting requests joined as the shorter ones left, and overtook the long ones
            int firstLong = longest.stream().mapToInt(ids::indexOf).min().orElseThrow();
            for (String id : waiting) {
                assertThat(ids.indexOf(id)).as("%s written before every long request", id).isLessThan(firstLong);
            }
        }
    }

    private QuestionRequest question(String id, int tokens, byte[] image) {
        GenerationOverrides options = tokens > 2
                ? GenerationOverrides.builder().maxNewTokens(tokens).minNewTokens(tokens).build()
                : GenerationOverrides.builder().maxNewTokens(tokens).build();
        return new QuestionRequest(id, Task.VQA, "what is in the picture?", null, null,
                new ImageRef(Base64.getEncoder().encodeToString(image), null), options);
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }
}
