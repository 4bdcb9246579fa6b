package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.blip2stream.testing.Fixtures;
import io.blip2stream.testing.Fixtures.Case;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The infer command called in-process, its JSON parsed. */
class InferCommandTest {

    record Run(int status, JsonNode json) {
    }

    static Run infer(List<String> args) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new InferCommand().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, JsonOut.MAPPER.readTree(out.toString(StandardCharsets.UTF_8)));
    }

    /** The command line that reproduces a golden case. */
    static List<String> argsFor(String bundle, Case c) {
        List<String> args = new ArrayList<>(List.of("--bundle", Fixtures.bundle(bundle).toString(), "--threads", "2"));
        for (int i = 0; i < c.images().size(); i++) {
            args.addAll(List.of("--image", Fixtures.image(c.images().get(i)).toString(), "--prompt", c.prompts().get(i)));
        }
        var o = GenerationOptions.of(c.options());
        args.addAll(List.of("--max-new-tokens", String.valueOf(o.maxNewTokens()),
                "--min-new-tokens", String.valueOf(o.minNewTokens()),
                "--num-beams", String.valueOf(o.numBeams()),
                "--length-penalty", String.valueOf(o.lengthPenalty()),
                "--num-return-sequences", String.valueOf(o.numReturnSequences()),
                "--repetition-penalty", String.valueOf(o.repetitionPenalty()),
                "--no-repeat-ngram-size", String.valueOf(o.noRepeatNgramSize())));
        if (o.earlyStopping()) {
            args.add("--early-stopping");
        }
        return args;
    }

    @Test
    void reproducesAGoldenBatchCaseOfTheTinyOptBundle() throws IOException {
        String bundle = "tiny-opt";
        Assumptions.assumeTrue(Fixtures.availableBundles().contains(bundle), "golden file of " + bundle);
        Case c = Fixtures.golden(bundle).cases().stream().filter(x -> x.images().size() > 1).findFirst()
                .orElse(Fixtures.golden(bundle).cases().getFirst());
        Run run = infer(argsFor(bundle, c));
        assertThat(run.status()).isZero();
        List<List<Integer>> ids = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (JsonNode r : run.json().get("results")) {
            for (JsonNode s : r.get("sequences")) {
                List<Integer> seq = new ArrayList<>();
                s.get("token_ids").forEach(t -> seq.add(t.asInt()));
                ids.add(seq);
                texts.add(s.get("text").asText());
                assertThat(s.get("finish_reason").asText()).isIn("eos", "length");
            }
        }
        assertThat(ids).isEqualTo(c.sequences());
        assertThat(texts).isEqualTo(c.texts());
        assertThat(run.json().get("results").get(0).get("prompt").asText()).isEqualTo(c.prompts().getFirst());
    }

    @Test
    void aBadImageGivesAnErrorObjectAndANonZeroExit(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.jpg");
        Files.write(bad, new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0x00, 0x01, 0x02});
        Run run = infer(List.of("--bundle", Fixtures.bundle("tiny-opt").toString(), "--image", bad.toString()));
        assertThat(run.status()).isNotZero();
        assertThat(run.json().get("error").get("code").asText()).isEqualTo("INVALID_IMAGE");
        assertThat(run.json().get("error").get("id").asText()).isEqualTo("BLIP2-1002");
        assertThat(run.json().get("results").get(0).get("error").get("message").asText()).isNotBlank();
    }

    @Test
    void anUnknownOptionIsAnInvalidRequest() throws IOException {
        Run run = infer(List.of("--bundle", "x", "--image", "y", "--frobnicate", "3"));
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.json().get("error").get("code").asText()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void aMissingBundleIsReportedAsJson(@TempDir Path dir) throws IOException {
        Run run = infer(List.of("--bundle", dir.resolve("none").toString(),
                "--image", Fixtures.image("photo_640x480.jpg").toString()));
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.json().get("error").get("code").asText()).isEqualTo("INVALID_BUNDLE");
        assertThat(run.json().get("error").get("id").asText()).isEqualTo("BLIP2-2001");
        assertThat(run.json().get("error").get("message").asText()).contains("bundle directory not found");
    }
}
