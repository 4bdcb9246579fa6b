package io.blip2stream.it;

import io.blip2stream.cli.SubmitArguments;
import io.blip2stream.cli.SubmitRecords;
import io.blip2stream.cli.WireTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A steady stream of requests at a fixed rate, built exactly as {@code submit} builds them:
 * every fourth one a question (questions topic, JSON), the others captions (images topic, raw
 * bytes). Runs on its own scheduler so a test can crash or stop services while it flows.
 */
public final class RequestStream implements AutoCloseable {

    /** Small sample images (the large one would only slow the stream down). */
    public static final List<Path> IMAGES = List.of(
            Path.of("src/test/resources/images/photo_640x480.jpg"),
            Path.of("src/test/resources/images/rgba_320x240.png"),
            Path.of("src/test/resources/images/palette_200x150.png"),
            Path.of("src/test/resources/images/bmp_100x80.bmp"),
            Path.of("src/test/resources/images/lossless_200x200.webp"));

    private final KafkaProducer<byte[], byte[]> producer;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<String> ids;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private RequestStream(String bootstrap, WireTopics topics, String idPrefix, int count, Duration interval) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TestBroker.MAX_MESSAGE_BYTES,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        SubmitRecords records = new SubmitRecords(topics);
        List<byte[]> images = IMAGES.stream().map(RequestStream::read).toList();
        List<String> ids = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ids.add(idPrefix + "-" + i);
        }
        this.ids = List.copyOf(ids);
        scheduler.scheduleAtFixedRate(() -> {
            int i = sent.get();
            if (i >= count || failure.get() != null) {
                done.complete(null);
                return;
            }
            try {
                List<String> words = new ArrayList<>(List.of("--bootstrap", bootstrap, "--image", "unused"));
                if (i % 4 == 3) {
                    words.addAll(List.of("--question", "What is shown in image " + i + "?"));
                }
                producer.send(records.build(SubmitArguments.parse(words), this.ids.get(i),
                        images.get(i % images.size()))).get();
                sent.incrementAndGet();
            } catch (Exception e) {
                failure.set(e);
                done.completeExceptionally(e);
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts sending {@code count} requests with ids {@code idPrefix-0 …}, one per {@code interval}. */
    public static RequestStream start(String bootstrap, WireTopics topics, String idPrefix, int count, Duration interval) {
        return new RequestStream(bootstrap, topics, idPrefix, count, interval);
    }

    public List<String> ids() {
        return ids;
    }

    public int sent() {
        return sent.get();
    }

    public boolean isDone() {
        return done.isDone();
    }

    /** The first send failure, if any (the broker refused or timed out). */
    public Throwable failure() {
        return failure.get();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        producer.close(Duration.ofSeconds(10));
    }

    private static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
