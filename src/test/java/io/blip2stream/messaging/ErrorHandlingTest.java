package io.blip2stream.messaging;

import com.sun.net.httpserver.HttpServer;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every error code yields an error result on the task's output topic and the original record on
 * the dead-letter topic with all dead-letter headers; good requests around them still succeed.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class ErrorHandlingTest {

    /** target/fetch-root: the claim-check file root of the test configuration. */
    private static final Path FETCH_ROOT = Path.of("target", "fetch-root");

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    private final WireCodec codec = new WireCodec();
    private HttpServer http;

    /** A request that must fail, and how. */
    private record Bad(String id, ErrorCode code, Task task, Long limit, String key, byte[] value,
                       Future<RecordMetadata> metadata) {
    }

    @BeforeEach
    void setUp() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
        Files.createDirectories(FETCH_ROOT);
        Files.write(FETCH_ROOT.resolve("ok.png"), TestImages.png(7));
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] served = TestImages.png(8);
        http.createContext("/ok.png", ex -> {
            ex.sendResponseHeaders(200, served.length);
            ex.getResponseBody().write(served);
            ex.close();
        });
        http.createContext("/missing.png", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        http.createContext("/elsewhere.png", ex -> {
            ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + http.getAddress().getPort() + "/ok.png");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        http.start();
    }

    @AfterEach
    void tearDown() {
        http.stop(0);
    }

    private String local(String path) {
        return "http://localhost:" + http.getAddress().getPort() + path;
    }

    private byte[] question(String id, String question, ImageRef image) {
        return codec.encode(new QuestionRequest(id, null, question, null, null, image, null));
    }

    @Test
    void everyErrorCodeGivesAnErrorResultAndADeadLetterAndTheConsumerKeepsGoing() throws Exception {
        Map<String, Bad> bad = new LinkedHashMap<>();
        Map<String, Task> good = new HashMap<>();
        byte[] png = TestImages.png(1);
        byte[] tiff = new byte[64];
        tiff[0] = 'I';
        tiff[1] = 'I';
        tiff[2] = 42;
        byte[] huge = Arrays.copyOf(png, 1_000_001);
        String longQuestion = "why ".repeat(501);
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            // an engine fault first, on its own: in continuous batching it breaks the running batch,
            // and every request decoding beside it fails with it (INFERENCE_FAILED, not its own error)
            badImage(kafka, bad, DelayingEngine.FAIL_PREFIX + "1", ErrorCode.INFERENCE_FAILED, null, png);
            kafka.flush();
            KafkaTestClient.Outputs faulted = kafka.awaitOutputs(Duration.ofSeconds(60),
                    o -> o.results().size() >= 1 && o.dlq.size() >= 1);
            // images topic
            badImage(kafka, bad, "err-invalid-options", ErrorCode.INVALID_REQUEST, 128L, png,
                    WireHeaders.OPTIONS, "{\"max_new_tokens\":1000}");
            badImage(kafka, bad, "err-invalid-task", ErrorCode.INVALID_REQUEST, null, png, WireHeaders.TASK, "translate");
            badImage(kafka, bad, "err-invalid-image", ErrorCode.INVALID_IMAGE, null,
                    "definitely not an image".getBytes(StandardCharsets.UTF_8));
            badImage(kafka, bad, "err-unsupported", ErrorCode.UNSUPPORTED_IMAGE_FORMAT, null, tiff);
            badImage(kafka, bad, "err-too-large", ErrorCode.IMAGE_TOO_LARGE, 1_000_000L, huge);
            byte[] late = TestImages.png(2);
            RecordHeaders lateHeaders = KafkaTestClient.headers(WireHeaders.ID, "err-deadline");
            bad.put("err-deadline", new Bad("err-deadline", ErrorCode.DEADLINE_EXCEEDED, Task.CAPTION, 600_000L,
                    "k-err-deadline", late, kafka.send(KafkaTestClient.IMAGES, "k-err-deadline", late, lateHeaders,
                            System.currentTimeMillis() - Duration.ofHours(2).toMillis())));
            // questions topic
            badQuestion(kafka, bad, "err-json", ErrorCode.INVALID_REQUEST, null,
                    "{\"question\": ".getBytes(StandardCharsets.UTF_8));
            badQuestion(kafka, bad, "err-prompt", ErrorCode.PROMPT_TOO_LONG, 2000L,
                    question("err-prompt", longQuestion, new ImageRef("AAAA", null)));
            badQuestion(kafka, bad, "err-url-metadata", ErrorCode.URL_NOT_ALLOWED, null,
                    question("err-url-metadata", "q?", new ImageRef(null, "http://169.254.169.254/latest/meta-data")));
            badQuestion(kafka, bad, "err-url-scheme", ErrorCode.URL_NOT_ALLOWED, null,
                    question("err-url-scheme", "q?", new ImageRef(null, "ftp://localhost/a.png")));
            badQuestion(kafka, bad, "err-url-escape", ErrorCode.URL_NOT_ALLOWED, null,
                    question("err-url-escape", "q?", new ImageRef(null, "file:../../pom.xml")));
            badQuestion(kafka, bad, "err-url-redirect", ErrorCode.URL_NOT_ALLOWED, null,
                    question("err-url-redirect", "q?", new ImageRef(null, local("/elsewhere.png"))));
            badQuestion(kafka, bad, "err-fetch-file", ErrorCode.IMAGE_FETCH_FAILED, null,
                    question("err-fetch-file", "q?", new ImageRef(null, "file:missing.png")));
            badQuestion(kafka, bad, "err-fetch-http", ErrorCode.IMAGE_FETCH_FAILED, null,
                    question("err-fetch-http", "q?", new ImageRef(null, local("/missing.png"))));
            // good requests after the bad ones: the consumer keeps going, claim checks that are allowed work
            kafka.send(KafkaTestClient.IMAGES, "k-ok-1", png, KafkaTestClient.headers(WireHeaders.ID, "ok-image"));
            good.put("ok-image", Task.CAPTION);
            kafka.send(KafkaTestClient.QUESTIONS, "k-ok-2", question("ok-file", "what?", new ImageRef(null, "file:ok.png")),
                    new RecordHeaders());
            good.put("ok-file", Task.VQA);
            kafka.send(KafkaTestClient.QUESTIONS, "k-ok-3", question("ok-http", "what?", new ImageRef(null, local("/ok.png"))),
                    new RecordHeaders());
            good.put("ok-http", Task.VQA);
            kafka.flush();

            int expected = bad.size() + good.size();
            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(120),
                    o -> o.results().size() + faulted.results().size() >= expected
                            && o.dlq.size() + faulted.dlq.size() >= bad.size());
            faulted.results().forEach(out::add);
            faulted.dlq.forEach(out::add);

            Map<String, WireResult> results = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : out.results()) {
                WireResult w = codec.decodeResult(r.value());
                assertThat(results.put(w.id(), w)).as("one result for " + w.id()).isNull();
                assertThat(r.topic()).as(w.id())
                        .isEqualTo(w.task().isCaption() ? KafkaTestClient.CAPTIONS : KafkaTestClient.ANSWERS);
                if (w instanceof ErrorResult) {
                    assertThat(ServiceFlowTest.header(r, WireHeaders.CE_TYPE)).isEqualTo(WireHeaders.CE_TYPE_ERROR);
                }
            }
            assertThat(results).hasSize(expected);
            for (Map.Entry<String, Task> g : good.entrySet()) {
                assertThat(results.get(g.getKey())).as(g.getKey()).isInstanceOfSatisfying(ResultRecord.class,
                        r -> assertThat(r.task()).isEqualTo(g.getValue()));
            }
            Map<String, ConsumerRecord<byte[], byte[]>> dead = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> d : out.dlq) {
                dead.put(ServiceFlowTest.header(d, WireHeaders.CORRELATION_ID), d);
            }
            assertThat(dead).hasSize(bad.size());
            for (Bad b : bad.values()) {
                assertErrorResult(b, results.get(b.id()));
                assertDeadLetter(b, (ErrorResult) results.get(b.id()), dead.get(b.id()));
            }
        }
    }

    private void assertErrorResult(Bad b, WireResult result) throws Exception {
        assertThat(result).as(b.id()).isInstanceOfSatisfying(ErrorResult.class, e -> {
            assertThat(e.task()).as(b.id()).isEqualTo(b.task());
            assertThat(e.error().code()).as(b.id()).isEqualTo(b.code().name());
            assertThat(e.error().messageId()).as(b.id()).isEqualTo(b.code().id());
            assertThat(e.error().message()).as(b.id()).isNotBlank();
            if (b.limit() != null) {
                assertThat(e.error().limit()).as(b.id()).isEqualTo(b.limit());
            }
        });
        RecordMetadata m = b.metadata().get();
        assertThat(result.source().topic()).isEqualTo(m.topic());
        assertThat(result.source().partition()).isEqualTo(m.partition());
        assertThat(result.source().offset()).isEqualTo(m.offset());
    }

    private static void assertDeadLetter(Bad b, ErrorResult error, ConsumerRecord<byte[], byte[]> d) throws Exception {
        assertThat(d).as("dead letter of " + b.id()).isNotNull();
        RecordMetadata m = b.metadata().get();
        assertThat(new String(d.key(), StandardCharsets.UTF_8)).isEqualTo(b.key());
        assertThat(d.value()).isEqualTo(b.value());
        assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_REASON))
                .isEqualTo(b.code().id() + " " + error.error().message());
        assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_CAUSE)).isEqualTo(b.code().name());
        assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_TOPIC)).isEqualTo(m.topic());
        assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_PARTITION)).isEqualTo(Integer.toString(m.partition()));
        assertThat(ServiceFlowTest.header(d, WireHeaders.DEAD_LETTER_OFFSET)).isEqualTo(Long.toString(m.offset()));
        if (m.topic().equals(KafkaTestClient.IMAGES)) {
            assertThat(ServiceFlowTest.header(d, WireHeaders.ID)).as("original headers are kept").isEqualTo(b.id());
        }
    }

    private static void badImage(KafkaTestClient kafka, Map<String, Bad> bad, String id, ErrorCode code, Long limit,
                                 byte[] value, String... extraHeaders) {
        String[] h = new String[extraHeaders.length + 2];
        h[0] = WireHeaders.ID;
        h[1] = id;
        System.arraycopy(extraHeaders, 0, h, 2, extraHeaders.length);
        String key = "k-" + id;
        bad.put(id, new Bad(id, code, Task.CAPTION, limit, key, value,
                kafka.send(KafkaTestClient.IMAGES, key, value, KafkaTestClient.headers(h))));
    }

    private static void badQuestion(KafkaTestClient kafka, Map<String, Bad> bad, String id, ErrorCode code, Long limit,
                                    byte[] value) {
        String key = id;
        bad.put(id, new Bad(id, code, Task.VQA, limit, key, value,
                kafka.send(KafkaTestClient.QUESTIONS, key, value, new RecordHeaders())));
    }
}
