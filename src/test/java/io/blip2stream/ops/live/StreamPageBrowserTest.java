package io.blip2stream.ops.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.messaging.KafkaBrokerResource;
import io.blip2stream.messaging.StreamService;
import io.blip2stream.testing.Fixtures;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live page in a real browser (headless Chromium, skipped where none is installed): images
 * submitted through Kafka show up on the open page with their answers, and a hostile question
 * stays text. Leaves a screenshot in {@code target/stream-page.png}.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class StreamPageBrowserTest {

    private static final String ENTRIES = "JSON.stringify([...document.querySelectorAll('li.entry')].map(li => ({"
            + "id: li.dataset.id, task: li.querySelector('.task').textContent,"
            + "text: li.querySelector('.text') ? li.querySelector('.text').textContent : null,"
            + "question: li.querySelector('.question') ? li.querySelector('.question').textContent : null,"
            + "thumb: li.querySelector('img.thumb') ? li.querySelector('img.thumb').naturalWidth : 0})))";

    @TestHTTPResource("/stream")
    URL page;

    @Inject
    StreamService service;

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aSubmittedImagesAnswerAppearsOnTheOpenPage() throws Exception {
        Optional<Path> chromium = HeadlessChromium.find();
        Assumptions.assumeTrue(chromium.isPresent(), "no chromium on the PATH (install Debian's chromium package, "
                + "as .ci/run does, or set CHROMIUM_BIN): the live page's browser test is skipped");
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        String caption = "page-browser-caption-" + UUID.randomUUID();
        String question = "page-browser-vqa-" + UUID.randomUUID();

        try (HeadlessChromium browser = new HeadlessChromium(chromium.get(), 1280, 800);
             PageTraffic traffic = new PageTraffic()) {
            browser.navigate(page.toString());
            await().atMost(Duration.ofSeconds(60)).until(
                    () -> "live".equals(browser.evaluate("document.getElementById('connection').textContent").asText()));

            traffic.caption(caption, Fixtures.imageBytes("photo_640x480.jpg"));
            traffic.question(question, StreamPageEventsTest.HOSTILE, Fixtures.imageBytes("palette_200x150.png"));
            Map<String, JsonNode> results = traffic.awaitResults(Set.of(caption, question));

            await().atMost(Duration.ofSeconds(30)).until(() -> entry(browser, caption) != null
                    && entry(browser, question) != null);
            JsonNode c = entry(browser, caption);
            assertThat(c.path("task").asText()).isEqualTo("caption");
            assertThat(c.path("text").asText()).isEqualTo(results.get(caption).path("text").asText());
            assertThat(c.path("thumb").asInt()).as("thumbnail width").isEqualTo(96);
            JsonNode q = entry(browser, question);
            assertThat(q.path("task").asText()).isEqualTo("vqa");
            assertThat(q.path("text").asText()).isEqualTo(results.get(question).path("text").asText());
            assertThat(q.path("question").asText()).isEqualTo(StreamPageEventsTest.HOSTILE);

            // the hostile question is text: no element, no script, the title untouched
            assertThat(browser.evaluate("document.querySelectorAll('img:not(.thumb), main script').length").asInt())
                    .isZero();
            assertThat(browser.evaluate("document.title").asText()).isEqualTo("blip2-stream · live");
            assertThat(browser.dom()).contains("&lt;/script&gt;&lt;img src=x onerror=");
            await().atMost(Duration.ofSeconds(10)).until(() -> browser.evaluate(
                    "Number(document.getElementById('stat-results').textContent)").asInt() >= 2);
            assertThat(browser.evaluate("document.getElementById('stat-queue').textContent").asText()).matches("\\d+");

            Files.createDirectories(Path.of("target"));
            browser.screenshot(Path.of("target/stream-page.png"));
        }
    }

    private JsonNode entry(HeadlessChromium browser, String id) throws Exception {
        for (JsonNode e : json.readTree(browser.evaluate(ENTRIES).asText())) {
            if (id.equals(e.path("id").asText())) {
                return e;
            }
        }
        return null;
    }
}
