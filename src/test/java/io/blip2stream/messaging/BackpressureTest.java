package io.blip2stream.messaging;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A burst far larger than the in-flight limit against a slowed engine: bounded in flight, nothing lost. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class BackpressureTest {

    private static final int BURST = 2_000;
    private static final int DISTINCT_IMAGES = 16;
    /** Short generations: this test is about flow control, not text. */
    private static final String SHORT = "{\"max_new_tokens\":2}";

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
    void aBurstKeepsInFlightBoundedAndLosesNothing() {
        byte[][] images = new byte[DISTINCT_IMAGES][];
        for (int i = 0; i < DISTINCT_IMAGES; i++) {
            images[i] = TestImages.png(1000 + i);
        }
        try (KafkaTestClient kafka = new KafkaTestClient()) {
            for (int i = 0; i < BURST; i++) {
                kafka.send(KafkaTestClient.IMAGES, "burst-" + i, images[i % DISTINCT_IMAGES],
                        KafkaTestClient.headers(WireHeaders.ID, "burst-" + i, WireHeaders.OPTIONS, SHORT));
            }
            kafka.flush();

            Set<String> ids = new HashSet<>();
            int[] duplicates = {0};
            int[] batchedMax = {0};
            KafkaTestClient.Outputs out = kafka.awaitOutputs(Duration.ofSeconds(300), o -> {
                assertThat(gauge("blip2.requests.in.flight")).isLessThanOrEqualTo(maxInFlight);
                assertThat(gauge("blip2.queue.depth")).isLessThanOrEqualTo(maxInFlight);
                return o.captions.size() >= BURST;
            });
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
        }
        double max = gauge("blip2.requests.in.flight.max");
        assertThat(max).isLessThanOrEqualTo(maxInFlight);
        // the burst piled up to the limit (less what the idle questions stream holds requested), so
        // demand really stopped rather than the burst never reaching it
        assertThat(max).isGreaterThanOrEqualTo(maxInFlight / 2.0);
        await().atMost(Duration.ofSeconds(30)).until(() -> gauge("blip2.requests.in.flight") == 0);
    }
}
