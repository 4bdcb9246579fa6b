package io.blip2stream.it;

import io.blip2stream.testing.PngChunks;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.blip2stream.api.ChatTurn;
import io.blip2stream.api.Echo;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.cli.WireTopics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged service on a real broker under a stream of good requests with hostile records
 * mixed in (one of each kind of issue 14: echoed fields of hundreds of kilobytes, a record at the
 * size limit, a decompression bomb, bad JSON, a chat of ten thousand turns, engine-breaking
 * options, a prompt past the position table, claim checks that drip, PNG metadata bombs).
 * Throughout, {@code /q/health/live} stays UP and the process's RSS stays bounded; in the end
 * every good request has exactly its result, and every hostile one a typed error result and a
 * dead letter (a bounded stub for the record too large to copy).
 */
class HostileSoakIT {

    private static final int GOOD = 60;
    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration ALL_RESULTS = Duration.ofSeconds(180);
    private static final int SERVICE_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;
    /** The service runs with a 768 MiB heap; model, ONNX Runtime and metaspace come on top. */
    private static final long MAX_RSS_BYTES = 2L * 1024 * 1024 * 1024;
    private static final Path BUNDLE = Path.of("src/test/resources/bundles/tiny-opt").toAbsolutePath();
    private static final Path PNG = Path.of("src/test/resources/images/rgba_320x240.png");

    private static TestBroker broker;
    private final WireCodec codec = new WireCodec();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** A hostile record: the id its result carries and the error it must get (null: a bounded success). */
    private record Hostile(String id, ErrorCode expected, boolean stub) {
    }

    @Test
    void hostileRecordsAmongGoodOnesNeitherStopNorStallNorAmplifyTheService() throws Exception {
        String suffix = Long.toHexString(System.nanoTime());
        WireTopics topics = new WireTopics("images-soak-" + suffix, "questions-soak-" + suffix,
                "captions-soak-" + suffix, "answers-soak-" + suffix);
        String dlq = "dlq-soak-" + suffix;
        broker.createTopics(List.of(topics.images(), topics.questions(), topics.captions(), topics.answers(), dlq), 3);
        byte[] png = Files.readAllBytes(PNG);

        HttpServer store = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        store.createContext("/ok.png", ex -> {
            ex.sendResponseHeaders(200, png.length);
            ex.getResponseBody().write(png);
            ex.close();
        });
        store.start();
        Map<String, String> env = new HashMap<>(Map.of(
                "BLIP2_TOPIC_IMAGES", topics.images(), "BLIP2_TOPIC_QUESTIONS", topics.questions(),
                "BLIP2_TOPIC_CAPTIONS", topics.captions(), "BLIP2_TOPIC_ANSWERS", topics.answers(),
                "BLIP2_TOPIC_DLQ", dlq, "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "BLIP2_BUNDLE", BUNDLE.toString(), "BLIP2_CONSUMER_GROUP", "group-soak-" + suffix));
        env.put("BLIP2_FETCH_ALLOWED_HOSTS", "localhost");
        env.put("BLIP2_FETCH_ALLOWED_NETWORKS", "127.0.0.0/8");
        env.put("BLIP2_FETCH_TIMEOUT_MS", "1500");
        env.put("BLIP2_FETCH_IDLE_TIMEOUT_MS", "1000");

        try (SlowHttpServer slow = new SlowHttpServer(200);
             ResultCollector results = new ResultCollector(broker.bootstrapServers(),
                     List.of(topics.captions(), topics.answers()));
             DeadLetters dead = new DeadLetters(broker.bootstrapServers(), dlq);
             ServiceProcess service = ServiceProcess.start("soak", env, List.of(
                     "-Dkafka.session.timeout.ms=" + TestBroker.SESSION_TIMEOUT_MS,
                     "-Dkafka.heartbeat.interval.ms=1000")).awaitReady(READY);
             Watch watch = new Watch(service);
             KafkaProducer<byte[], byte[]> producer = producer()) {

            RequestStream stream = RequestStream.start(broker.bootstrapServers(), topics, "soak-good", GOOD, INTERVAL);
            List<Hostile> hostile = new ArrayList<>();
            List<String> goodUrls = new ArrayList<>();
            try (stream) {
                sendHostile(producer, topics, hostile, png, "http://localhost:" + slow.port() + "/slow.png");
                for (int i = 0; i < 2; i++) {
                    String id = "soak-good-url-" + i;
                    producer.send(new ProducerRecord<>(topics.questions(), null, null, codec.encode(new QuestionRequest(
                            id, Task.VQA, "what?", null, null,
                            new ImageRef(null, "http://localhost:" + store.getAddress().getPort() + "/ok.png"), null))))
                            .get();
                    goodUrls.add(id);
                }
                await("all good requests sent").atMost(ALL_RESULTS).until(stream::isDone);
                assertThat(stream.failure()).isNull();

                List<String> goodIds = new ArrayList<>(stream.ids());
                goodIds.addAll(goodUrls);
                List<String> all = new ArrayList<>(goodIds);
                hostile.forEach(h -> all.add(h.id()));
                await("a result for every request").atMost(ALL_RESULTS).pollInterval(Duration.ofMillis(500))
                        .untilAsserted(() -> assertThat(results.missing(all)).isEmpty());
                await("a dead letter for every hostile request").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                            for (Hostile h : hostile) {
                                if (h.expected() != null) {
                                    assertThat(dead.forId(h.id())).as("dead letter of " + h.id()).isNotEmpty();
                                }
                            }
                        });

                for (String id : goodIds) {
                    List<JsonNode> r = results.results(id);
                    assertThat(r).as("results of " + id).hasSize(1);
                    assertThat(r.getFirst().has("error")).as("error in %s", r.getFirst()).isFalse();
                    assertThat(r.getFirst().path("text").isTextual()).isTrue();
                }
                int errors = 0;
                int stubs = 0;
                for (Hostile h : hostile) {
                    List<JsonNode> r = results.results(h.id());
                    assertThat(r).as("results of " + h.id()).hasSize(1);
                    if (h.expected() == null) {
                        assertThat(r.getFirst().has("error")).as("bounded success %s", r.getFirst()).isFalse();
                        continue;
                    }
                    errors++;
                    assertThat(r.getFirst().path("error").path("code").asText()).as(h.id()).isEqualTo(h.expected().name());
                    List<ConsumerRecord<byte[], byte[]>> d = dead.forId(h.id());
                    assertThat(d).as("dead letters of " + h.id()).hasSize(1);
                    assertThat(header(d.getFirst(), WireHeaders.DEAD_LETTER_CAUSE)).isEqualTo(h.expected().name());
                    if (h.stub()) {
                        stubs++;
                        assertThat(header(d.getFirst(), WireHeaders.DEAD_LETTER_STUB)).isEqualTo("true");
                        assertThat(d.getFirst().serializedValueSize()).isLessThan(8 * 1024);
                    }
                }
                assertThat(results.ids()).containsExactlyInAnyOrderElementsOf(all);
                assertThat(service.isAlive()).isTrue();
                assertThat(watch.liveChecks()).as("liveness was checked throughout").isGreaterThan(10);
                assertThat(watch.liveFailures()).as("liveness answers other than 200: " + watch.failures).isEmpty();
                assertThat(watch.maxRssBytes()).as("largest RSS").isLessThan(MAX_RSS_BYTES);
                System.out.printf("soak: %d good requests, %d hostile (%d typed errors, %d stubs), %d liveness checks "
                                + "all UP, largest RSS %d MiB%n", goodIds.size(), hostile.size(), errors, stubs,
                        watch.liveChecks(), watch.maxRssBytes() >> 20);
            }
        } finally {
            store.stop(0);
        }
    }

    private void sendHostile(KafkaProducer<byte[], byte[]> producer, WireTopics topics, List<Hostile> hostile,
                             byte[] png, String slowUrl) throws Exception {
        String longId = "i".repeat(300_000);
        image(producer, topics, null, png, WireHeaders.ID, longId);
        hostile.add(new Hostile(Echo.cap(longId, 256), ErrorCode.INVALID_REQUEST, false));

        producer.send(new ProducerRecord<>(topics.images(), null, "k".repeat(300_000).getBytes(StandardCharsets.UTF_8),
                png, List.<Header>of(new RecordHeader(WireHeaders.ID, "h-long-key".getBytes(StandardCharsets.UTF_8))))).get();
        hostile.add(new Hostile("h-long-key", ErrorCode.INVALID_REQUEST, false));

        image(producer, topics, "h-long-task", png, WireHeaders.ID, "h-long-task", WireHeaders.TASK, "t".repeat(300_000));
        hostile.add(new Hostile("h-long-task", ErrorCode.INVALID_REQUEST, false));

        List<Header> nearHeaders = List.of(new RecordHeader(WireHeaders.ID, "h-near-limit".getBytes(StandardCharsets.UTF_8)));
        byte[] key = "h-near-limit".getBytes(StandardCharsets.UTF_8);
        int target = SERVICE_MAX_MESSAGE_BYTES - 16;
        byte[] near = new byte[target - size(key, new byte[0], nearHeaders)];
        near = new byte[near.length - (size(key, near, nearHeaders) - target)];
        producer.send(new ProducerRecord<>(topics.images(), null, key, near, nearHeaders)).get();
        hostile.add(new Hostile("h-near-limit", ErrorCode.INVALID_IMAGE, true));

        image(producer, topics, "h-bomb", bomb(), WireHeaders.ID, "h-bomb");
        hostile.add(new Hostile("h-bomb", ErrorCode.IMAGE_TOO_LARGE, false));

        image(producer, topics, "h-meta-bomb", metadataBomb(png), WireHeaders.ID, "h-meta-bomb");
        hostile.add(new Hostile("h-meta-bomb", null, false));

        producer.send(new ProducerRecord<>(topics.questions(), "h-bad-json".getBytes(StandardCharsets.UTF_8),
                "{\"question\": ".getBytes(StandardCharsets.UTF_8))).get();
        hostile.add(new Hostile("h-bad-json", ErrorCode.INVALID_REQUEST, false));

        String b64 = java.util.Base64.getEncoder().encodeToString(png);
        question(producer, topics, new QuestionRequest("h-long-url", Task.VQA, "what?", null, null,
                new ImageRef(null, "http://localhost/" + "u".repeat(5000)), null));
        hostile.add(new Hostile("h-long-url", ErrorCode.INVALID_REQUEST, false));

        question(producer, topics, new QuestionRequest("h-turns", Task.CHAT, "and?",
                Collections.nCopies(10_000, new ChatTurn("", "")), null, new ImageRef(b64, null), null));
        hostile.add(new Hostile("h-turns", ErrorCode.PROMPT_TOO_LONG, false));

        question(producer, topics, new QuestionRequest("h-temperature", Task.VQA, "what?", null, null,
                new ImageRef(b64, null), GenerationOverrides.builder().doSample(true).temperature(1e-300).build()));
        hostile.add(new Hostile("h-temperature", ErrorCode.INVALID_REQUEST, false));

        question(producer, topics, new QuestionRequest("h-positions", Task.VQA, null, null, "a ".repeat(300),
                new ImageRef(b64, null), null));
        hostile.add(new Hostile("h-positions", ErrorCode.PROMPT_TOO_LONG, false));

        for (int i = 0; i < 4; i++) {
            question(producer, topics, new QuestionRequest("h-slow-" + i, Task.VQA, "what?", null, null,
                    new ImageRef(null, slowUrl + "?" + i), null));
            hostile.add(new Hostile("h-slow-" + i, ErrorCode.IMAGE_FETCH_FAILED, false));
        }
    }

    private void question(KafkaProducer<byte[], byte[]> producer, WireTopics topics, QuestionRequest q) throws Exception {
        producer.send(new ProducerRecord<>(topics.questions(), null, null, codec.encode(q))).get();
    }

    private static void image(KafkaProducer<byte[], byte[]> producer, WireTopics topics, String key, byte[] value,
                              String... headers) throws Exception {
        List<Header> h = new ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(new RecordHeader(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8)));
        }
        producer.send(new ProducerRecord<>(topics.images(), null,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, h)).get();
    }

    private static int size(byte[] key, byte[] value, List<Header> headers) {
        return AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                key, value, headers.toArray(Header[]::new));
    }

    /** A PNG of a few bytes declaring 100,000 x 100,000 pixels. */
    private static byte[] bomb() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(100_000).putInt(100_000).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(out, "IDAT", new byte[]{0x78, (byte) 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A good PNG with 40 zTXt chunks, each inflating to 1 MiB. */
    private static byte[] metadataBomb(byte[] png) {
        byte[] profile = PngChunks.rawExifProfile(new byte[1 << 20]);
        int afterIhdr = 8 + 8 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, afterIhdr);
        for (int i = 0; i < 40; i++) {
            out.writeBytes(profile);
        }
        out.write(png, afterIhdr, png.length - afterIhdr);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        PngChunks.chunk(out, type, data);
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TestBroker.MAX_MESSAGE_BYTES,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Every record of the dead-letter topic, by its {@code blip2-correlation-id}. */
    private static final class DeadLetters implements AutoCloseable {
        private final Map<String, List<ConsumerRecord<byte[], byte[]>>> byId = new java.util.concurrent.ConcurrentHashMap<>();
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private volatile boolean running = true;

        DeadLetters(String bootstrap, String topic) {
            consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "it-dlq-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TestBroker.MAX_MESSAGE_BYTES,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
            consumer.subscribe(List.of(topic));
            thread = Thread.ofPlatform().name("dead-letters").daemon().start(() -> {
                try {
                    while (running) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            byId.computeIfAbsent(String.valueOf(header(r, WireHeaders.CORRELATION_ID)),
                                    k -> new CopyOnWriteArrayList<>()).add(r);
                        }
                    }
                } finally {
                    consumer.close();
                }
            });
        }

        List<ConsumerRecord<byte[], byte[]>> forId(String id) {
            return byId.getOrDefault(id, List.of());
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }
    }

    /** Polls the service's liveness and samples its resident memory while the test runs. */
    private static final class Watch implements AutoCloseable {
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final AtomicInteger checks = new AtomicInteger();
        private final AtomicLong maxRss = new AtomicLong();
        private final HttpClient http = HttpClient.newHttpClient();
        private final Thread thread;
        private volatile boolean running = true;

        Watch(ServiceProcess service) {
            Path status = Path.of("/proc", Long.toString(service.handle().pid()), "status");
            URI live = URI.create("http://localhost:" + service.httpPort() + "/q/health/live");
            thread = Thread.ofPlatform().name("soak-watch").daemon().start(() -> {
                while (running) {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(live).timeout(Duration.ofSeconds(5))
                                .GET().build(), HttpResponse.BodyHandlers.ofString());
                        checks.incrementAndGet();
                        if (r.statusCode() != 200) {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                        for (String line : Files.readAllLines(status)) {
                            if (line.startsWith("VmRSS:")) {
                                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                                maxRss.accumulateAndGet(kb * 1024, Math::max);
                            }
                        }
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        if (running) {
                            failures.add(e.toString());
                        }
                    }
                }
            });
        }

        int liveChecks() {
            return checks.get();
        }

        List<String> liveFailures() {
            return failures;
        }

        long maxRssBytes() {
            return maxRss.get();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
