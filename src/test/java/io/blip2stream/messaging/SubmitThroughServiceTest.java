package io.blip2stream.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.cli.ExitStatus;
import io.blip2stream.cli.SubmitCommand;
import io.blip2stream.cli.WireTopics;
import io.blip2stream.config.Blip2Config;
import io.blip2stream.testing.Fixtures;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code submit} against the running service: a directory of images, captions and questions, from one process. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class SubmitThroughServiceTest {

    private static final Pattern PROGRESS = Pattern.compile("^\\[ *(\\d+)/(\\d+) +\\d+\\.\\d/s\\] (\\S+) +(caption|vqa) +(.*)$");

    @Inject
    StreamService service;

    @Inject
    KafkaClientService kafkaClients;

    @Inject
    Blip2Config config;

    private final ObjectMapper json = new ObjectMapper();

    record Run(int status, List<String> stdout, String stderr) {
    }

    @BeforeEach
    void serviceIsReady() {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        KafkaTestClient.awaitAssigned(kafkaClients);
    }

    @Test
    void aDirectoryIsCaptionedAndQuestionedWithOneReadableLineEachAsResultsArrive(@TempDir Path dir) throws IOException {
        for (String image : List.of("photo_640x480.jpg", "png_rgb_trns_224.png", "lossy_333x251.webp")) {
            Files.copy(Fixtures.image(image), dir.resolve(image));
        }
        Files.write(dir.resolve("broken.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2});

        Run run = submit(command(), "--dir", dir.toString(), "--caption", "--question", "what is it?",
                "--wait", "--format", "text", "--timeout-s", "60", "--max-in-flight", "3");

        // two results per image; the broken one's are errors, so the exit status says some failed
        assertThat(run.status()).as(run.stderr()).isEqualTo(ExitStatus.FAILED);
        assertThat(run.stdout().getFirst()).isEqualTo("submitting 8 requests to " + bootstrap() + ", results as they arrive:");
        assertThat(run.stdout().getLast()).matches("8 of 8 results in \\d+\\.\\d s \\(\\d+\\.\\d/s\\), 2 of them errors");
        List<String> results = run.stdout().subList(1, run.stdout().size() - 1);
        assertThat(results).hasSize(8);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < results.size(); i++) {
            String line = results.get(i);
            Matcher m = PROGRESS.matcher(line);
            assertThat(m.matches()).as(line).isTrue();
            assertThat(Integer.parseInt(m.group(1))).as("done count, in order").isEqualTo(i + 1);
            assertThat(m.group(2)).isEqualTo("8");
            seen.add(m.group(3) + " " + m.group(4));
            if (m.group(4).equals("vqa")) {
                assertThat(m.group(5)).startsWith("\"what is it?\"  -> ");
            }
            if (m.group(3).equals("broken.jpg")) {
                assertThat(line).contains("-> ERROR INVALID_IMAGE (BLIP2-1002): ");
            } else {
                assertThat(line).containsPattern("-> \"[^\"\\n]*\"  \\(\\d+\\.\\d\\d s\\)$");
            }
            assertThat(line).doesNotContain("\uFFFD").doesNotContain("\r");
        }
        assertThat(seen).hasSize(8);   // every image once with each task
    }

    @Test
    void oneImageWithAnIdPrintsItsResultJsonAsBefore() throws IOException {
        Run run = submit(command(), "--image", Fixtures.image("photo_640x480.jpg").toString(),
                "--id", "submit-one", "--question", "what is it?", "--wait", "--timeout-s", "60");

        assertThat(run.status()).as(run.stderr()).isEqualTo(ExitStatus.OK);
        assertThat(run.stdout()).hasSize(1);
        JsonNode result = json.readTree(run.stdout().getFirst());
        assertThat(result.path("id").asText()).isEqualTo("submit-one");
        assertThat(result.path("task").asText()).isEqualTo("vqa");
        assertThat(result.path("text").isTextual()).isTrue();
    }

    @Test
    void withoutWaitEachRequestIsReportedWhereItWasWritten() throws IOException {
        Run run = submit(command(), "--image", Fixtures.image("photo_640x480.jpg").toString(),
                "--image", Fixtures.image("gray_256x256.png").toString());

        assertThat(run.status()).as(run.stderr()).isEqualTo(ExitStatus.OK);
        assertThat(run.stdout()).hasSize(2);
        List<String> images = new ArrayList<>();
        for (String line : run.stdout()) {
            JsonNode written = json.readTree(line);
            assertThat(written.path("topic").asText()).isEqualTo(KafkaBrokerResource.IMAGES);
            assertThat(written.path("offset").asLong()).isNotNegative();
            images.add(Path.of(written.path("image").asText()).getFileName().toString());
        }
        assertThat(images).containsExactlyInAnyOrder("photo_640x480.jpg", "gray_256x256.png");
    }

    @Test
    void resultsThatNeverComeEndTheWaitWithNoResult() throws IOException {
        // topics no service reads: the request is written, nothing answers
        SubmitCommand nobody = new SubmitCommand(new WireTopics("submit-test.unread.images", "submit-test.unread.questions",
                "submit-test.unread.captions", "submit-test.unread.answers"), KafkaBrokerResource.MAX_MESSAGE_BYTES);

        Run run = submit(nobody, "--image", Fixtures.image("photo_640x480.jpg").toString(), "--id", "never",
                "--wait", "--timeout-s", "2");

        assertThat(run.status()).isEqualTo(ExitStatus.UNAVAILABLE);
        JsonNode error = json.readTree(run.stdout().getLast()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("NO_RESULT");
        assertThat(error.path("id").asText()).isEqualTo("BLIP2-2003");
        assertThat(error.path("message").asText()).isEqualTo("no result for 1 of 1 requests (id never) on "
                + "[submit-test.unread.captions]: none arrived for 2 s (is the service running on " + bootstrap() + "?)");
    }

    private SubmitCommand command() {
        return new SubmitCommand(WireTopics.of(config), KafkaBrokerResource.MAX_MESSAGE_BYTES);
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static Run submit(SubmitCommand command, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap", bootstrap()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = command.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8).lines().toList(), err.toString(StandardCharsets.UTF_8));
    }
}
