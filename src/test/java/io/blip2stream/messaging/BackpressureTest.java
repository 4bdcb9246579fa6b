package io.blip2stream.messaging;

import io.blip2stream.api.RecordSource;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.WireResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A burst far larger than the in-flight limit against a slowed engine: bounded in flight, nothing
 * lost, and a live heap that does not grow with the burst. A few long requests in it are overtaken
 * by the short ones behind them (continuous batching), and every offset is still committed.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class BackpressureTest {

    private static final int BURST = 2_000;
    private static final int DISTINCT_IMAGES = 16;
    /** Short generations: this test is about flow control, not text. */
    private static final String SHORT = "{\"max_new_tokens\":2}";
    /**
     * Every {@value #LONG_EVERY}th request decodes 24 tokens: in continuous batching the short ones
     * behind it in its partition overtake it, so results come out of order while demand is bounded.
     */
    private static final String LONG = "{\"max_new_tokens\":24,\"min_new_tokens\":24}";
    private static final int LONG_EVERY = 25;
    /** Side of the noise images: 288x288 RGB noise is ~250 KB as PNG, so 2,000 of them are ~500 MB. */
    private static final int IMAGE_SIDE = 288;
    private static final long MIB = 1024 * 1024;
    private static final Logger LOG = Logger.getLogger(BackpressureTest.class);

    @Inject
    DelayingEngine engine;

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "blip2.max-in-flight")
    int maxInFlight;

    @ConfigProperty(name = "blip2.kafka.max-poll-records")
    int maxPollRecords;

    @ConfigProperty(name = "blip2.kafka.max-message-bytes")
    int maxMessageBytes;

    private final WireCodec codec = new WireCodec();

    @BeforeEach
    void slowEngine() {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
        engine.delayMillis(5);
    }

    @AfterEach
    void normalEngine() {
        engine.delayMillis(0);
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Test
    void aBurstKeepsInFlightBoundedAndLosesNothing() throws Exception {
        long baseline;
        byte[][] images = new byte[DISTINCT_IMAGES][];
        int imageBytes = 0;
        for (int i = 0; i < DISTINCT_IMAGES; i++) {
            images[i] = noisePng(1000 + i);
            imageBytes = Math.max(imageBytes, images[i].length);
        }
        long bound = heapGrowthBound(imageBytes);
        // holding every image of the burst at once would clearly break the bound
        assertThat((long) BURST * imageBytes).isGreaterThan(3 * bound / 2);
        try (KafkaTestClient kafka = new KafkaTestClient(); HeapSampler sampler = new HeapSampler()) {
            baseline = settledLiveHeap();
            sampler.start();
            // the engine all but stops while the burst is written, so the backlog is all there to be
            // taken: a service that did not stop asking would pull (and hold) most of the burst
            engine.delayMillis(200);
            for (int i = 0; i < BURST; i++) {
                kafka.send(KafkaTestClient.IMAGES, "burst-" + i, images[i % DISTINCT_IMAGES],
                        KafkaTestClient.headers(WireHeaders.ID, "burst-" + i, WireHeaders.OPTIONS,
                                i % LONG_EVERY == 0 ? LONG : SHORT));
            }
            kafka.flush();
            engine.delayMillis(5);

            Set<String> ids = new HashSet<>();
            int[] duplicates = {0};
            int[] batchedMax = {0};
            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(300), o -> {
                assertThat(gauge("blip2.requests.in.flight")).isLessThanOrEqualTo(maxInFlight);
                assertThat(gauge("blip2.queue.depth")).isLessThanOrEqualTo(maxInFlight);
                return o.captions.size() >= BURST;
            });
            sampler.stop();
            long peak = Math.max(sampler.max(), liveHeap());
            LOG.infof("live heap: baseline %d MiB, peak during the burst %d MiB (+%d MiB over %d samples), "
                    + "bound +%d MiB; the burst's images together %d MiB", baseline / MIB, peak / MIB,
                    (peak - baseline) / MIB, sampler.samples(), bound / MIB, (long) BURST * imageBytes / MIB);
            assertThat(sampler.samples()).isGreaterThanOrEqualTo(2);
            assertThat(peak - baseline).as("live heap growth during the burst, bytes").isLessThan(bound);
            for (ConsumerRecord<byte[], byte[]> r : out.captions) {
                WireResult w = codec.decodeResult(r.value());
                assertThat(w).as(w.id()).isInstanceOf(ResultRecord.class);
                if (!ids.add(w.id())) {
                    duplicates[0]++;
                }
                batchedMax[0] = Math.max(batchedMax[0], ((ResultRecord) w).batchSize());
            }
            assertThat(ids).hasSize(BURST);
            assertThat(duplicates[0]).isZero();
            assertThat(out.dlq).isEmpty();
            assertThat(batchedMax[0]).isGreaterThan(1);
            assertOutOfOrderWithinAPartition(out.captions);
        }
        // finished out of order, yet every record is committed: no offset stays behind a settled record
        ServiceFlowTest.awaitNoInputLeft(Duration.ofSeconds(30));
        double max = gauge("blip2.requests.in.flight.max");
        assertThat(max).isLessThanOrEqualTo(maxInFlight);
        // the burst piled up to the limit (less what the idle questions stream holds requested), so
        // demand really stopped rather than the burst never reaching it
        assertThat(max).isGreaterThanOrEqualTo(maxInFlight / 2.0);
        await().atMost(Duration.ofSeconds(30)).until(() -> gauge("blip2.requests.in.flight") == 0);
        // and nothing of the burst stays behind once it is over
        long after = settledLiveHeap();
        LOG.infof("live heap after the burst: %d MiB (%+d MiB)", after / MIB, (after - baseline) / MIB);
        assertThat(after - baseline).as("live heap growth after the burst, bytes").isLessThan(bound);
    }

    /**
     * Some input partition has a record whose result was written before the result of an earlier
     * record of that partition (written in {@code results}' order: one output partition).
     */
    private void assertOutOfOrderWithinAPartition(List<ConsumerRecord<byte[], byte[]>> results) {
        Map<Integer, Long> highestSoFar = new HashMap<>();
        int overtaken = 0;
        for (ConsumerRecord<byte[], byte[]> r : results) {
            RecordSource source = codec.decodeResult(r.value()).source();
            Long highest = highestSoFar.merge(source.partition(), source.offset(), Math::max);
            if (highest > source.offset()) {
                overtaken++;
            }
        }
        LOG.infof("%d results written after a later record's result of their partition", overtaken);
        assertThat(overtaken).as("results written after a later record's result of their partition").isPositive();
    }

    /**
     * The most the live heap may grow while the burst is under way. Everything the service may hold
     * at once is bounded by its limits, never by the size of the burst:
     * <ul>
     * <li>{@code max-in-flight} requests, each with its image bytes, the decoded image (int ARGB
     * pixels) and the 3x224x224 float pixel tensor;</li>
     * <li>the connector's buffer of at most 2 x {@code max-poll-records} records per input channel;</li>
     * <li>one fetch response per input consumer: at most {@code max.partition.fetch.bytes} per
     * partition (the images topic's records, up to the consumer's 50 MiB {@code fetch.max.bytes});</li>
     * <li>in this JVM also the test's producer ({@code buffer.memory}, 32 MiB) with the broker's copy
     * of its in-flight requests, and the results the test collects (under 4 KiB each).</li>
     * </ul>
     * Half again for margin (collection timing, JIT, metrics on a loaded machine). With the figures of
     * the test profile this is ~250 MiB (~120 MiB measured), while the burst's images alone are
     * ~475 MiB: a service that held the burst would break it (~445 MiB measured with the in-flight
     * limit raised above the burst).
     */
    private long heapGrowthBound(int imageBytes) {
        long decoded = 4L * IMAGE_SIDE * IMAGE_SIDE;
        long pixels = 4L * 3 * 224 * 224;
        long inFlight = (long) maxInFlight * (imageBytes + decoded + pixels);
        long connectorBuffer = 2L * 2 * maxPollRecords * imageBytes;
        long fetch = Math.min(50 * MIB, (long) KafkaBrokerResource.INPUT_PARTITIONS * maxMessageBytes);
        long producer = 2 * 32 * MIB;
        long results = BURST * 4096L;
        return 3 * (inFlight + connectorBuffer + fetch + producer + results) / 2;
    }

    /** A PNG of RGB noise: incompressible, so each image really weighs its ~250 KB. */
    private static byte[] noisePng(int seed) {
        Random random = new Random(seed);
        BufferedImage img = new BufferedImage(IMAGE_SIDE, IMAGE_SIDE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < IMAGE_SIDE; y++) {
            for (int x = 0; x < IMAGE_SIDE; x++) {
                img.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Used heap right after a full collection: the live set, give or take what other threads allocated since. */
    private static long liveHeap() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** The live heap once two collections in a row agree within 2 MiB (the service is idle). */
    private static long settledLiveHeap() {
        AtomicLong previous = new AtomicLong(Long.MIN_VALUE);
        AtomicLong current = new AtomicLong();
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    current.set(liveHeap());
                    return Math.abs(current.get() - previous.getAndSet(current.get())) < 2 * MIB;
                });
        return current.get();
    }

    /** Collects and reads the live heap every 300 ms in the background, keeping the largest. */
    private static final class HeapSampler implements AutoCloseable {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "heap-sampler");
            t.setDaemon(true);
            return t;
        });
        private final AtomicLong max = new AtomicLong();
        private final AtomicInteger samples = new AtomicInteger();

        void start() {
            timer.scheduleWithFixedDelay(() -> {
                max.accumulateAndGet(liveHeap(), Math::max);
                samples.incrementAndGet();
            }, 0, 300, TimeUnit.MILLISECONDS);
        }

        void stop() {
            timer.shutdown();
            try {
                assertThat(timer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }

        long max() {
            return max.get();
        }

        int samples() {
            return samples.get();
        }
    }
}
