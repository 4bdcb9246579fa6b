package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One error shape from every command: a single JSON line {@code {"error":{"code","id","message"[,"limit"]}}}
 * on stdout, messages that say what is wrong, and the shared exit statuses.
 */
class CommandErrorsTest {

    /** Nothing listens there: Kafka calls time out. */
    private static final String NO_KAFKA = "localhost:1";

    record Failure(int status, JsonNode error, String stderr) {
    }

    static Failure fail(String... args) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Cli.Launch launch = Cli.dispatch(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(stdout.strip().lines()).as("one line on stdout: %s", stdout).hasSize(1);
        JsonNode root = JsonOut.MAPPER.readTree(stdout);
        assertThat(fieldNames(root)).containsExactly("error");
        JsonNode error = root.get("error");
        assertThat(fieldNames(error)).containsAnyOf("code").isSubsetOf("code", "id", "message", "limit")
                .contains("code", "id", "message");
        assertThat(error.get("id").asText()).matches("BLIP2-\\d{4}");
        return new Failure(((Cli.Launch.Exit) launch).status(), error, err.toString(StandardCharsets.UTF_8));
    }

    // ---- infer ----

    @Test
    void inferNamesAMissingImageFileOnce(@TempDir Path dir) throws IOException {
        Path none = dir.resolve("none.png");
        Failure f = fail("infer", "--bundle", Fixtures.bundle("tiny-opt").toString(), "--image", none.toString());

        assertThat(f.status()).isEqualTo(ExitStatus.USAGE);
        assertRequestError(f, "no such file: " + none);
        assertThat(f.stderr()).contains("blip2 infer --help");
    }

    @Test
    void inferSaysWhichBoundAnOptionBroke() throws IOException {
        Failure below = fail("infer", "--bundle", Fixtures.bundle("tiny-opt").toString(),
                "--image", Fixtures.image("photo_640x480.jpg").toString(), "--num-beams", "0");
        Failure above = fail("infer", "--bundle", Fixtures.bundle("tiny-opt").toString(),
                "--image", Fixtures.image("photo_640x480.jpg").toString(), "--num-beams", "17");

        assertThat(below.status()).isEqualTo(ExitStatus.USAGE);
        assertRequestError(below, "num_beams 0 is below the minimum 1");
        assertThat(below.error().get("limit").asLong()).isEqualTo(1);
        assertRequestError(above, "num_beams 17 is above the maximum 16");
        assertThat(above.error().get("limit").asLong()).isEqualTo(16);
    }

    @Test
    void inferRefusesAnUnknownDeviceNamingTheOption() throws IOException {
        Failure f = fail("infer", "--bundle", "b", "--image", "i.png", "--device", "tpu");

        assertThat(f.status()).isEqualTo(ExitStatus.USAGE);
        assertRequestError(f, "--device must be auto, cpu or cuda, got 'tpu'");
    }

    @Test
    void inferReportsAMissingBundleWithItsId(@TempDir Path dir) throws IOException {
        Failure f = fail("infer", "--bundle", dir.resolve("absent").toString(),
                "--image", Fixtures.image("photo_640x480.jpg").toString());

        assertThat(f.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(f.error().get("code").asText()).isEqualTo("INVALID_BUNDLE");
        assertThat(f.error().get("id").asText()).isEqualTo("BLIP2-2001");
        assertThat(f.error().get("message").asText()).startsWith("bundle directory not found: ");
    }

    // ---- bench ----

    @Test
    void benchGivesTheSameShapeWithItsId(@TempDir Path dir) throws IOException {
        Failure repeat = fail("bench", "--bundle", Fixtures.bundle("tiny-opt").toString(), "--repeat", "0");
        Failure warmUp = fail("bench", "--bundle", Fixtures.bundle("tiny-opt").toString(), "--warm-up-s", "-1");
        Failure sizes = fail("bench", "--bundle", Fixtures.bundle("tiny-opt").toString(), "--batch-sizes", "1,x");
        Failure image = fail("bench", "--bundle", Fixtures.bundle("tiny-opt").toString(),
                "--image", dir.resolve("none.jpg").toString());
        Failure bundle = fail("bench", "--bundle", dir.resolve("absent").toString());

        assertThat(repeat.status()).isEqualTo(ExitStatus.USAGE);
        assertRequestError(repeat, "--repeat 0 is below the minimum 1");
        assertRequestError(warmUp, "--warm-up-s -1 is below the minimum 0");
        assertThat(repeat.error().get("limit").asLong()).isEqualTo(1);
        assertRequestError(sizes, "--batch-sizes must be integers separated by commas, got '1,x'");
        assertRequestError(image, "no such file: " + dir.resolve("none.jpg"));
        assertThat(bundle.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(bundle.error().get("id").asText()).isEqualTo("BLIP2-2001");
    }

    // ---- submit ----

    @Test
    void submitPrintsJsonErrorsNotPlainText(@TempDir Path dir) throws IOException {
        Failure option = fail("submit", "--bootstrap", NO_KAFKA, "--image", "i.png", "--colour", "red");
        Failure file = fail("submit", "--bootstrap", NO_KAFKA, "--image", dir.resolve("none.png").toString());

        assertThat(option.status()).isEqualTo(ExitStatus.USAGE);
        assertRequestError(option, "unknown option '--colour'");
        assertThat(file.status()).isEqualTo(ExitStatus.USAGE);
        assertRequestError(file, "no such file: " + dir.resolve("none.png"));
    }

    @Test
    void submitWithoutKafkaIsUnavailable() throws IOException {
        Failure f = fail("submit", "--bootstrap", NO_KAFKA, "--image", Fixtures.image("photo_640x480.jpg").toString(),
                "--wait", "--timeout-s", "1");

        assertThat(f.status()).isEqualTo(ExitStatus.UNAVAILABLE);
        assertThat(f.error().get("code").asText()).isEqualTo("KAFKA_UNAVAILABLE");
        assertThat(f.error().get("id").asText()).isEqualTo("BLIP2-2002");
        assertThat(f.error().get("message").asText()).startsWith("Kafka at localhost:1 did not answer within 1 s");
    }

    // ---- topics ----

    @Test
    void topicsUsesTheSameCodesAsTheOtherCommands() throws IOException {
        Failure option = fail("topics", "--bootstrap", NO_KAFKA, "--frobnicate");
        Failure partitions = fail("topics", "--bootstrap", NO_KAFKA, "--partitions", "0");
        Failure missing = fail("topics");

        assertThat(option.status()).isEqualTo(ExitStatus.USAGE);
        assertRequestError(option, "unknown option '--frobnicate'");
        assertRequestError(partitions, "--partitions 0 is below the minimum 1");
        assertThat(partitions.error().get("limit").asLong()).isEqualTo(1);
        assertRequestError(missing, "--bootstrap is required");
    }

    @Test
    void topicsWithoutKafkaIsUnavailable() throws IOException {
        Failure f = fail("topics", "--bootstrap", NO_KAFKA, "--timeout-s", "1");

        assertThat(f.status()).isEqualTo(ExitStatus.UNAVAILABLE);
        assertThat(f.error().get("code").asText()).isEqualTo("KAFKA_UNAVAILABLE");
        assertThat(f.error().get("message").asText()).isEqualTo("Kafka at localhost:1 did not answer within 1 s");
    }

    private static void assertRequestError(Failure f, String message) {
        assertThat(f.error().get("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(f.error().get("id").asText()).isEqualTo("BLIP2-1001");
        assertThat(f.error().get("message").asText()).isEqualTo(message);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
