package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench command called in-process on the tiny bundles: its table, its JSON file, its errors. */
class BenchCommandTest {

    record Run(int status, String stdout) {
    }

    static Run bench(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new BenchCommand().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void writesOneRowPerBatchSizeWithTheBundleDtype(@TempDir Path tmp) throws IOException {
        Path json = tmp.resolve("bench.json");
        Run r = bench(List.of("--bundle", Fixtures.bundle("tiny-opt").toString(), "--batch-sizes", "1,3",
                "--max-new-tokens", "4", "--repeat", "1", "--threads", "1", "--warm-up-s", "0", "--json", json.toString()));

        assertThat(r.status()).as(r.stdout()).isZero();
        assertThat(r.stdout()).contains("model tiny-opt (fp32) on CPU, K/V cache in host memory, 4 new tokens")
                .contains("peak RSS").doesNotContain("JIT warm-up");
        JsonNode root = JsonOut.MAPPER.readTree(Files.readString(json));
        assertThat(root.path("dtype").asText()).isEqualTo("fp32");
        assertThat(root.path("kv_cache").asText()).isEqualTo("in host memory");
        assertThat(root.path("max_new_tokens").asInt()).isEqualTo(4);
        assertThat(root.path("results")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode row = root.path("results").get(i);
            int batch = i == 0 ? 1 : 3;
            assertThat(row.path("batch_size").asInt()).isEqualTo(batch);
            // exactly max-new-tokens per image: tokens/s is images/s times 4
            assertThat(row.path("tokens_per_s").asDouble())
                    .isCloseTo(4 * row.path("images_per_s").asDouble(), org.assertj.core.data.Offset.offset(1e-6));
            assertThat(row.path("latency_ms").path("p95").asDouble())
                    .isGreaterThanOrEqualTo(row.path("latency_ms").path("p50").asDouble());
            assertThat(row.path("stages_ms").path("generate").asDouble()).isPositive();
            // the graphs' work alone: batch / (vision + generate), never below the end-to-end rate
            JsonNode stages = row.path("stages_ms");
            double modelMs = stages.path("vision").asDouble() + stages.path("generate").asDouble();
            assertThat(row.path("model_images_per_s").asDouble())
                    .isCloseTo(batch / (modelMs / 1000), org.assertj.core.data.Offset.offset(1e-6))
                    .isGreaterThan(row.path("images_per_s").asDouble());
        }
        assertThat(root.path("peak_rss_mb").asDouble()).isPositive();
    }

    @Test
    void reportsTheDtypeOfAnFp16BundleAndTheDeviceLoop() {
        Run r = bench(List.of("--bundle", Fixtures.bundle("tiny-opt-fp16").toString(), "--batch-sizes", "1",
                "--max-new-tokens", "2", "--repeat", "1", "--threads", "1", "--decode-loop", "device",
                "--warm-up-s", "0"));

        assertThat(r.status()).as(r.stdout()).isZero();
        assertThat(r.stdout()).contains("model tiny-opt-fp16 (fp16) on CPU, K/V cache on CPU (bound)");
    }

    @Test
    void warmsTheJitUpForTheGivenSecondsBeforeMeasuring() {
        Run r = bench(List.of("--bundle", Fixtures.bundle("tiny-opt").toString(), "--batch-sizes", "1,3",
                "--max-new-tokens", "2", "--repeat", "1", "--threads", "1", "--warm-up-s", "1"));

        assertThat(r.status()).as(r.stdout()).isZero();
        // the largest batch size asked for (at most 8), untimed, for at least the second asked for
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("JIT warm-up: (\\d+) batches of 3 in (\\d+\\.\\d) s \\(untimed\\)").matcher(r.stdout());
        assertThat(m.find()).as(r.stdout()).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isPositive();
        assertThat(Double.parseDouble(m.group(2))).isGreaterThanOrEqualTo(1.0);
        assertThat(r.stdout().indexOf("JIT warm-up")).isLessThan(r.stdout().indexOf("peak RSS"));
    }

    @Test
    void refusesABadBatchSizeWithATypedError() throws IOException {
        Run r = bench(List.of("--bundle", Fixtures.bundle("tiny-opt").toString(), "--batch-sizes", "1,0"));

        assertThat(r.status()).isEqualTo(2);
        assertThat(JsonOut.MAPPER.readTree(r.stdout()).path("error").path("code").asText()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void refusesAMixedRunTooSmallForEveryClassWithItsMinimum() throws IOException {
        Run r = bench(List.of("--bundle", Fixtures.bundle("tiny-opt").toString(), "--workload", "mixed",
                "--requests", "2", "--warm-up-s", "0"));

        assertThat(r.status()).isEqualTo(2);
        var error = JsonOut.MAPPER.readTree(r.stdout()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(error.path("message").asText()).contains("--requests 2");
        assertThat(error.path("limit").asLong()).isEqualTo(3);
    }

    @Test
    void theMixedWorkloadRunsEverySchedulerAndCountsWhereTheEngineTimeWent(@TempDir Path tmp) throws IOException {
        Path json = tmp.resolve("mixed.json");
        Run r = bench(List.of("--bundle", Fixtures.bundle("tiny-opt").toString(), "--workload", "mixed",
                "--requests", "6", "--max-batch", "2", "--threads", "1", "--warm-up-s", "0", "--json", json.toString()));

        assertThat(r.status()).as(r.stdout()).isZero();
        assertThat(r.stdout()).contains("decode s (steps, rows/step, ms)").contains("continuous/static-fifo");
        JsonNode runs = JsonOut.MAPPER.readTree(Files.readString(json)).path("mixed");
        assertThat(runs).hasSize(6);
        // two each of VQA (3 new tokens), caption (15) and chat (40): the first token of each comes
        // from its prefill, the rest from decoder rows, however the scheduler batches them
        int rowSteps = 2 * (2 + 14 + 39);
        for (JsonNode run : runs) {
            String what = run.path("mode").asText() + " " + run.path("arrival").asText();
            JsonNode st = run.path("stages");
            assertThat(st.path("vision_images").asInt()).as(what).isEqualTo(6);
            assertThat(st.path("prefill_rows").asInt()).as(what).isEqualTo(6);
            assertThat(st.path("decode_rows").asInt()).as(what).isEqualTo(rowSteps);
            assertThat(st.path("decode_rows").asDouble() / st.path("decode_steps").asInt()).as(what + ": rows per step")
                    .isBetween(1.0, 2.0);
            assertThat(st.path("decode_s").asDouble()).as(what).isPositive();
        }
    }

    @Test
    void refusesAMissingBundleDirectory(@TempDir Path tmp) throws IOException {
        Run r = bench(List.of("--bundle", tmp.resolve("absent").toString(), "--batch-sizes", "1"));

        assertThat(r.status()).isEqualTo(2);
        assertThat(JsonOut.MAPPER.readTree(r.stdout()).path("error").path("code").asText()).isEqualTo("INVALID_BUNDLE");
    }
}
