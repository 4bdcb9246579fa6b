package io.blip2stream.messaging;

import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.WireResult;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Records built to make the service's outputs unwritable (multi-megabyte ids, keys, tasks and
 * URLs echoed into results and headers; a record so close to the size limit that its dead-letter
 * copy passes it) get bounded outputs: a typed error, a dead letter (or its bounded stub), and
 * the channels go on serving the good records sent after each of them.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class HostileRecordsTest {

    private static final int MB = 1 << 20;
    private static final int MAX_ID_BYTES = 256;

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    private final WireCodec codec = new WireCodec();

    @BeforeEach
    void serviceIsReady() {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
    }

    /** A hostile record: where it went and the error it must get. */
    private record Hostile(ErrorCode code, Future<RecordMetadata> metadata, boolean stub) {
    }

    @Test
    void overLongEchoedFieldsAndNearLimitRecordsGetBoundedOutputsAndTheChannelsGoOn() throws Exception {
        byte[] png = TestImages.png(3);
        Map<String, Hostile> hostile = new LinkedHashMap<>();
        List<String> good = new java.util.ArrayList<>();
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            hostile.put("id", new Hostile(ErrorCode.INVALID_REQUEST, kafka.send(KafkaTestClient.IMAGES, "k-long-id", png,
                    KafkaTestClient.headers(WireHeaders.ID, "i".repeat(6 * MB))), false));
            good(kafka, good, png);
            hostile.put("key", new Hostile(ErrorCode.INVALID_REQUEST, kafka.send(KafkaTestClient.IMAGES,
                    "k".repeat(4 * MB), png, new RecordHeaders()), false));
            good(kafka, good, png);
            hostile.put("task", new Hostile(ErrorCode.INVALID_REQUEST, kafka.send(KafkaTestClient.IMAGES, "k-long-task",
                    png, KafkaTestClient.headers(WireHeaders.ID, "long-task", WireHeaders.TASK, "t".repeat(5 * MB))), false));
            good(kafka, good, png);
            byte[] longJsonId = codec.encode(new QuestionRequest("q".repeat(5 * MB), null, "what?", null, null,
                    new ImageRef(Base64.getEncoder().encodeToString(png), null), null));
            hostile.put("json-id", new Hostile(ErrorCode.INVALID_REQUEST, kafka.send(KafkaTestClient.QUESTIONS,
                    "k-json-id", longJsonId, new RecordHeaders()), false));
            good(kafka, good, png);
            byte[] longUrl = codec.encode(new QuestionRequest("long-url", null, "what?", null, null,
                    new ImageRef(null, "http://localhost/" + "u".repeat(5 * MB)), null));
            hostile.put("long-url", new Hostile(ErrorCode.INVALID_REQUEST, kafka.send(KafkaTestClient.QUESTIONS,
                    "k-long-url", longUrl, new RecordHeaders()), false));
            good(kafka, good, png);
            // as close to the record size limit as the producer lets it be: its dead-letter copy
            // (the same record plus dead-letter headers) cannot be written, its stub can
            RecordHeaders nearHeaders = KafkaTestClient.headers(WireHeaders.ID, "near-limit");
            byte[] key = "k-near-limit".getBytes(StandardCharsets.UTF_8);
            int target = KafkaBrokerResource.MAX_MESSAGE_BYTES - 16;
            byte[] near = Arrays.copyOf(png, target - size(key, new byte[0], nearHeaders));
            near = Arrays.copyOf(near, near.length - (size(key, near, nearHeaders) - target)); // varint lengths
            assertThat(size(key, near, nearHeaders)).isBetween(target - 8, target);
            hostile.put("near-limit", new Hostile(ErrorCode.IMAGE_TOO_LARGE, kafka.send(KafkaTestClient.IMAGES,
                    "k-near-limit", near, nearHeaders), true));
            good(kafka, good, png);
            kafka.flush();

            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(120),
                    o -> o.results().size() >= hostile.size() + good.size() && o.dlq.size() >= hostile.size());

            Map<String, WireResult> bySource = new HashMap<>();
            Map<String, WireResult> byId = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : out.results()) {
                assertThat(r.serializedKeySize() + r.serializedValueSize()).isLessThan(64 * 1024);
                WireResult w = codec.decodeResult(r.value());
                assertThat(utf8(w.id())).as("echoed id").isLessThanOrEqualTo(MAX_ID_BYTES);
                assertThat(r.key() == null ? 0 : r.key().length).as("result key").isLessThanOrEqualTo(MAX_ID_BYTES);
                assertThat(ServiceFlowTest.header(r, WireHeaders.CORRELATION_ID)).isEqualTo(w.id());
                bySource.put(w.source().topic() + "/" + w.source().partition() + "/" + w.source().offset(), w);
                byId.put(w.id(), w);
            }
            for (String id : good) {
                assertThat(byId.get(id)).as(id).isInstanceOf(ResultRecord.class);
            }
            Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> d : out.dlq) {
                dead.put(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_TOPIC) + "/"
                        + ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_PARTITION) + "/"
                        + ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_OFFSET), d);
                assertThat(utf8(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_REASON))).isLessThanOrEqualTo(1100);
                assertThat(utf8(ServiceFlowTest.header(d, WireHeaders.CORRELATION_ID))).isLessThanOrEqualTo(MAX_ID_BYTES);
            }
            for (Map.Entry<String, Hostile> h : hostile.entrySet()) {
                RecordMetadata m = h.getValue().metadata().get();
                WireResult w = bySource.get(m.topic() + "/" + m.partition() + "/" + m.offset());
                assertThat(w).as(h.getKey()).isInstanceOfSatisfying(ErrorResult.class, e -> {
                    assertThat(e.error().code()).as(h.getKey()).isEqualTo(h.getValue().code().name());
                    assertThat(utf8(e.error().message())).as(h.getKey()).isLessThanOrEqualTo(1024);
                });
                ConsumerRecord<byte[], byte[]> d = dead.get(m.topic() + "/" + m.partition() + "/" + m.offset());
                assertThat(d).as("dead letter of " + h.getKey()).isNotNull();
                if (h.getValue().stub()) {
                    assertStub(d, m, near);
                }
            }
            assertThat(service.workersAlive()).isTrue();
        }
    }

    @Test
    void anErrorWhilePreparingABatchFailsItsRequestsAndTheServiceGoesOn() {
        byte[] png = TestImages.png(4);
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            String bad = DelayingEngine.PREPARE_ERROR_PREFIX + "1";
            kafka.send(KafkaTestClient.IMAGES, "k-" + bad, png, KafkaTestClient.headers(WireHeaders.ID, bad));
            kafka.flush();
            KafkaTestClient.Outputs first = kafka.awaitOutputs(Duration.ofSeconds(60),
                    o -> o.results().size() >= 1 && o.dlq.size() >= 1);
            WireResult w = codec.decodeResult(first.results().getFirst().value());
            assertThat(w.id()).isEqualTo(bad);
            assertThat(w).isInstanceOfSatisfying(ErrorResult.class,
                    e -> assertThat(e.error().code()).isEqualTo(ErrorCode.INFERENCE_FAILED.name()));
            assertThat(ServiceFlowTest.header(first.dlq.getFirst(), WireHeaders.CORRELATION_ID)).isEqualTo(bad);

            kafka.send(KafkaTestClient.IMAGES, "k-after-error", png, KafkaTestClient.headers(WireHeaders.ID, "after-error"));
            kafka.flush();
            KafkaTestClient.Outputs next = kafka.awaitOutputs(Duration.ofSeconds(60), o -> !o.results().isEmpty());
            assertThat(codec.decodeResult(next.results().getFirst().value())).isInstanceOfSatisfying(ResultRecord.class,
                    r -> assertThat(r.id()).isEqualTo("after-error"));
            assertThat(service.workersAlive()).isTrue();
        }
    }

    private static void assertStub(ConsumerRecord<byte[], byte[]> d, RecordMetadata m, byte[] original)
            throws Exception {
        assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_STUB)).isEqualTo("true");
        assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_CAUSE)).isEqualTo(ErrorCode.IMAGE_TOO_LARGE.name());
        assertThat(d.serializedValueSize()).isLessThan(8 * 1024);
        var stub = new com.fasterxml.jackson.databind.ObjectMapper().readTree(d.value());
        assertThat(stub.get("topic").asText()).isEqualTo(m.topic());
        assertThat(stub.get("partition").asInt()).isEqualTo(m.partition());
        assertThat(stub.get("offset").asLong()).isEqualTo(m.offset());
        assertThat(stub.get("value_size").asLong()).isEqualTo(original.length);
        assertThat(stub.get("value_sha256").asText())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original)));
        byte[] first = Base64.getDecoder().decode(stub.get("value_head").asText());
        assertThat(first).isNotEmpty().isEqualTo(Arrays.copyOf(original, first.length));
    }

    private static void good(KafkaTestClient kafka, List<String> good, byte[] png) {
        String id = "hostile-good-" + good.size();
        kafka.send(KafkaTestClient.IMAGES, "k-" + id, png, KafkaTestClient.headers(WireHeaders.ID, id));
        good.add(id);
    }

    private static int size(byte[] key, byte[] value, RecordHeaders headers) {
        return AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                key, value, headers.toArray());
    }

    private static int utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
}
