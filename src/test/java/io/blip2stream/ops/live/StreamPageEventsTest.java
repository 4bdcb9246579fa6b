package io.blip2stream.ops.live;

import com.fasterxml.jackson.databind.JsonNode;
import io.blip2stream.messaging.KafkaBrokerResource;
import io.blip2stream.messaging.StreamService;
import io.blip2stream.testing.Fixtures;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The live page's server side: its HTML and headers, and what /stream/events sends for requests that went through Kafka. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class StreamPageEventsTest {

    static final String HOSTILE = "</script><img src=x onerror=\"document.title='pwned'\"> & what is it?";

    @TestHTTPResource("/stream")
    URL page;

    @TestHTTPResource("/stream/events")
    URL events;

    @Inject
    StreamService service;

    @Inject
    LiveFeed feed;

    @ConfigProperty(name = "blip2.stream-page.max-clients")
    int maxClients;

    @BeforeEach
    void ready() {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
    }

    @Test
    void pageIsStaticHtmlUnderAStrictPolicy() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(page.toURI()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/html");
        assertThat(r.headers().firstValue("Content-Security-Policy")).contains(StreamPageResource.CSP);
        assertThat(r.body()).contains("<script src=\"/stream/app.js\"").doesNotContain("onclick", "<script>");
        HttpResponse<String> js = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(page + "/app.js")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).contains("new EventSource('/stream/events')").doesNotContain("innerHTML");
    }

    @Test
    void eventsCarryEachResultWithItsThumbnailAndTheFigures() throws Exception {
        String caption = "page-sse-caption-" + UUID.randomUUID();
        String question = "page-sse-vqa-" + UUID.randomUUID();
        String broken = "page-sse-broken-" + UUID.randomUUID();
        try (SseReader sse = new SseReader(events.toURI()); PageTraffic traffic = new PageTraffic()) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.contentType()).startsWith("text/event-stream");
            traffic.caption(caption, Fixtures.imageBytes("photo_640x480.jpg"));
            traffic.question(question, HOSTILE, Fixtures.imageBytes("exif_rotated_6.jpg"));
            traffic.caption(broken, "<svg onload=alert(1)> not an image".getBytes(StandardCharsets.UTF_8));
            Map<String, JsonNode> results = traffic.awaitResults(Set.of(caption, question, broken));

            await().atMost(Duration.ofSeconds(30)).until(() -> entry(sse, caption) != null && entry(sse, question) != null);
            JsonNode c = entry(sse, caption);
            assertThat(c.path("task").asText()).isEqualTo("caption");
            assertThat(c.path("text").asText()).isEqualTo(LiveText.cap(results.get(caption).path("text").asText(),
                    LiveText.MAX_TEXT));
            assertThat(c.path("latencyMs").asDouble()).isPositive();
            assertThat(c.has("question")).isFalse();
            BufferedImage thumb = thumbnail(c);
            assertThat(Math.max(thumb.getWidth(), thumb.getHeight())).isEqualTo(96);
            assertThat(thumb.getWidth()).isGreaterThan(thumb.getHeight()); // 640x480

            JsonNode q = entry(sse, question);
            assertThat(q.path("task").asText()).isEqualTo("vqa");
            assertThat(q.path("question").asText()).isEqualTo(HOSTILE);
            assertThat(q.path("text").asText()).isEqualTo(LiveText.cap(results.get(question).path("text").asText(),
                    LiveText.MAX_TEXT));
            assertThat(q.path("seq").asLong()).isGreaterThan(0);

            await().atMost(Duration.ofSeconds(30)).until(() -> entry(sse, broken) != null);
            JsonNode b = entry(sse, broken);
            assertThat(b.path("errorCode").asText()).isEqualTo(results.get(broken).at("/error/code").asText())
                    .isEqualTo("UNSUPPORTED_IMAGE_FORMAT"); // SVG, sniffed
            assertThat(b.path("errorMessage").asText()).isNotBlank();
            assertThat(b.has("text")).isFalse();
            assertThat(b.has("thumbnail")).as("no thumbnail of bytes that are no image").isFalse();

            await().atMost(Duration.ofSeconds(10)).until(() -> !sse.named("stats").isEmpty());
            JsonNode stats = sse.named("stats").getLast();
            assertThat(stats.has("perSecond")).isTrue();
            assertThat(stats.path("queueDepth").isIntegralNumber()).isTrue();
            assertThat(stats.path("inFlight").isIntegralNumber()).isTrue();
            await().atMost(Duration.ofSeconds(15)).until(() -> sse.named("stats").getLast().path("results").asLong() >= 3);
            assertThat(sse.named("stats").getLast().path("errors").asLong()).isPositive();
        }
    }

    @Test
    void aNewClientGetsTheHeldEntriesOldestFirst() throws Exception {
        String id = "page-sse-replay-" + UUID.randomUUID();
        try (PageTraffic traffic = new PageTraffic()) {
            traffic.caption(id, Fixtures.imageBytes("png_palette4_224.png"));
            traffic.awaitResults(Set.of(id));
        }
        try (SseReader late = new SseReader(events.toURI())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> entry(late, id) != null);
            var seqs = late.named("entry").stream().map(e -> e.path("seq").asLong()).toList();
            assertThat(seqs).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void atMostMaxClientsBrowsersAtOnce() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.listeners() == 0);
        List<SseReader> open = new ArrayList<>();
        try {
            for (int i = 0; i < maxClients; i++) {
                open.add(new SseReader(events.toURI()));
                assertThat(open.getLast().status()).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> feed.listeners() == maxClients);
            try (SseReader refused = new SseReader(events.toURI())) {
                assertThat(refused.status()).isEqualTo(503);
            }
        } finally {
            for (SseReader r : open) {
                r.close();
            }
        }
        // a closed browser's place is freed at the next event sent to it (the figures, every second)
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.listeners() == 0);
        try (SseReader again = new SseReader(events.toURI())) {
            assertThat(again.status()).isEqualTo(200);
        }
    }

    private static JsonNode entry(SseReader sse, String id) {
        return sse.named("entry").stream().filter(e -> e.path("id").asText().equals(id)).findFirst().orElse(null);
    }

    private static BufferedImage thumbnail(JsonNode entry) throws Exception {
        String url = entry.path("thumbnail").asText();
        assertThat(url).startsWith("data:image/jpeg;base64,");
        byte[] jpeg = Base64.getDecoder().decode(url.substring("data:image/jpeg;base64,".length()));
        return ImageIO.read(new ByteArrayInputStream(jpeg));
    }
}
