package io.blip2stream.cli;

import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.RecordSource;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.messaging.IncomingRecord;
import io.blip2stream.messaging.Mapped;
import io.blip2stream.messaging.RequestLimits;
import io.blip2stream.messaging.RequestMapper;
import io.blip2stream.pipeline.generate.GenerationOptions;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same overrides give the same generation options on every path: a question's
 * {@code options}, an image record's {@code blip2-options} header, {@code infer}'s flags, and the
 * one merge itself; {@code bench}'s fixed settings go through that merge too.
 */
class GenerationPathsTest {

    private static final WireCodec CODEC = new WireCodec();
    private static final byte[] IMAGE = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    private static final int LIMIT = GenerationOptions.MAX_NEW_TOKENS_LIMIT;

    /** Bundle defaults that the overrides must clamp (min_new_tokens 5, four beams and four returns). */
    private static final GenerationOptions BUNDLE = GenerationOptions.of(GenerationOverrides.builder()
            .maxNewTokens(30).minNewTokens(5).numBeams(4).numReturnSequences(4).lengthPenalty(0.8)
            .repetitionPenalty(1.2).build());

    static Stream<GenerationOverrides> overrides() {
        return Stream.of(
                GenerationOverrides.NONE,
                GenerationOverrides.builder().maxNewTokens(3).build(),
                GenerationOverrides.builder().numBeams(1).build(),
                GenerationOverrides.builder().numBeams(2).earlyStopping(true).lengthPenalty(1.5).build(),
                GenerationOverrides.builder().numBeams(1).doSample(true).temperature(0.7).topK(20).topP(0.9)
                        .seed(11L).build(),
                GenerationOverrides.builder().maxNewTokens(12).minNewTokens(4).numBeams(3).numReturnSequences(2)
                        .repetitionPenalty(1.1).noRepeatNgramSize(2).build());
    }

    @ParameterizedTest
    @MethodSource("overrides")
    void everyPathGivesTheSameOptions(GenerationOverrides o) {
        GenerationOptions merged = GenerationOptions.merge(BUNDLE, o, LIMIT);

        assertThat(viaQuestion(o)).as("question options").isEqualTo(merged);
        assertThat(viaHeader(o)).as("blip2-options header").isEqualTo(merged);
        assertThat(InferCommand.options(CliArgs.parse(flags(o), InferCommand.FLAGS, InferCommand.VALUED), BUNDLE))
                .as("infer flags").isEqualTo(merged);
        assertThat(InferCommand.overrides(CliArgs.parse(flags(o), InferCommand.FLAGS, InferCommand.VALUED)))
                .as("infer reads every flag into the overrides").isEqualTo(o);
    }

    @Test
    void benchSettingsDoNotDependOnTheBundle() {
        GenerationOptions fromBundle = GenerationOptions.merge(BUNDLE, BenchCommand.overrides(7), LIMIT);

        assertThat(fromBundle).isEqualTo(GenerationOptions.merge(GenerationOptions.HF_DEFAULTS, BenchCommand.overrides(7), LIMIT));
        assertThat(fromBundle).as("greedy, exactly 7 tokens, HF's defaults otherwise")
                .isEqualTo(new GenerationOptions(7, 7, 1, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 1, null));
        assertThat(viaQuestion(BenchCommand.overrides(7))).isEqualTo(fromBundle);
    }

    private static GenerationOptions viaQuestion(GenerationOverrides o) {
        QuestionRequest q = new QuestionRequest("q", Task.VQA, "what?", null, null, new ImageRef("iVBORw==", null), o);
        return accepted(mapper().fromQuestion(record("blip2.questions", CODEC.encode(q), null), 0, 0));
    }

    private static GenerationOptions viaHeader(GenerationOverrides o) {
        return accepted(mapper().fromImage(record("blip2.images", IMAGE, CODEC.encode(o)), 0, 0));
    }

    private static RequestMapper mapper() {
        return new RequestMapper(CODEC, new RequestLimits(1000, 100, LIMIT, 60_000), BUNDLE);
    }

    private static IncomingRecord record(String topic, byte[] value, byte[] options) {
        RecordHeaders h = new RecordHeaders();
        if (options != null) {
            h.add(WireHeaders.OPTIONS, options);
        }
        return new IncomingRecord(new RecordSource(topic, 0, 1), 0, null, h, value);
    }

    private static GenerationOptions accepted(Mapped m) {
        assertThat(m).isInstanceOf(Mapped.Accepted.class);
        return ((Mapped.Accepted) m).request().options();
    }

    /** {@code o} as infer's command line. */
    private static List<String> flags(GenerationOverrides o) {
        List<String> a = new ArrayList<>(List.of("--bundle", "b", "--image", "i.png"));
        add(a, "--max-new-tokens", o.maxNewTokens());
        add(a, "--min-new-tokens", o.minNewTokens());
        add(a, "--num-beams", o.numBeams());
        add(a, "--length-penalty", o.lengthPenalty());
        add(a, "--temperature", o.temperature());
        add(a, "--top-k", o.topK());
        add(a, "--top-p", o.topP());
        add(a, "--repetition-penalty", o.repetitionPenalty());
        add(a, "--no-repeat-ngram-size", o.noRepeatNgramSize());
        add(a, "--num-return-sequences", o.numReturnSequences());
        add(a, "--seed", o.seed());
        if (Boolean.TRUE.equals(o.doSample())) {
            a.add("--do-sample");
        }
        if (Boolean.TRUE.equals(o.earlyStopping())) {
            a.add("--early-stopping");
        }
        return a;
    }

    private static void add(List<String> args, String name, Object value) {
        if (value != null) {
            args.add(name);
            args.add(value.toString());
        }
    }
}
