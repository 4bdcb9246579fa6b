package io.blip2stream.pipeline;

import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Continuous batching decodes every request exactly as it decodes alone: a request joining a
 * running batch at step 0, 1, 3 or 7, beside requests of other lengths, prompts and decoding modes
 * (greedy, beam search, seeded sampling with several returned sequences), gets the tokens it gets
 * alone, and so do its batch-mates; alone, it gets what the static path gets (the path the golden
 * files check against Hugging Face). OPT (left-padded cache, both the newcomer and the running rows
 * padded in turn) and T5 (self K/V left-padded with the decoder mask, cross K/V right-padded), on
 * the host loop and the device loop.
 */
class ContinuousBatchingExactnessTest {

    private static final List<Integer> JOIN_STEPS = List.of(0, 1, 3, 7);

    static GenerationOptions greedy(int max) {
        return GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(max).build());
    }

    static GenerationOptions beams(int beams, int max) {
        return GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(max).numBeams(beams)
                .numReturnSequences(2).lengthPenalty(0.8).build());
    }

    static GenerationOptions sampling(long seed, int max) {
        return GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(max).doSample(true).temperature(0.9)
                .topK(20).topP(0.95).repetitionPenalty(1.2).numReturnSequences(2).seed(seed).build());
    }

    static final Prompt LONG_CHAT = new Prompt.Chat(List.of(
            new Prompt.Turn("what is in the picture and what colour is it exactly", "a red square on grey"),
            new Prompt.Turn("how many shapes are there in total", "three")), "which one is the largest");

    /** The running batch the target joins: different prompt lengths, options and finishing steps. */
    static List<InferenceRequest> others() {
        return List.of(
                new InferenceRequest("vqa-3", Fixtures.imageBytes("gray_256x256.png"), new Prompt.Vqa("what colour?"), greedy(3)),
                new InferenceRequest("chat-14", Fixtures.imageBytes("rgba_320x240.png"), LONG_CHAT, greedy(14)),
                new InferenceRequest("beam-9", Fixtures.imageBytes("bmp_100x80.bmp"), new Prompt.Caption(), beams(3, 9)),
                new InferenceRequest("sample-11", Fixtures.imageBytes("anim_96x64.gif"), new Prompt.Vqa("where?"),
                        sampling(5, 11)));
    }

    /** The requests that join: short and long prompts, each decoding mode. */
    static List<InferenceRequest> targets() {
        return List.of(
                new InferenceRequest("caption-20", Fixtures.imageBytes("photo_640x480.jpg"), new Prompt.Caption(), greedy(20)),
                new InferenceRequest("chat-beams", Fixtures.imageBytes("portrait_300x500.png"), LONG_CHAT, beams(2, 10)),
                new InferenceRequest("vqa-sample", Fixtures.imageBytes("cmyk_160x120.jpg"),
                        new Prompt.Vqa("is there a dog in this picture?"), sampling(11, 12)));
    }

    static Stream<Arguments> engines() {
        List<Arguments> out = new ArrayList<>();
        for (String b : List.of("tiny-opt", "tiny-t5", "shapes-opt", "tiny-opt-fp16")) {
            if (Fixtures.availableBundles().contains(b) || Fixtures.FP16_BUNDLES.containsKey(b)) {
                out.add(Arguments.of(b, "host"));
            }
        }
        out.add(Arguments.of("tiny-opt", "device"));
        out.add(Arguments.of("tiny-t5", "device"));
        return out.stream();
    }

    static Blip2Engine engine(String bundle, String loop) {
        return loop.equals("device") ? Fixtures.deviceLoopEngine(bundle) : Fixtures.engine(bundle);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("engines")
    void aRequestJoiningAtAnyStepDecodesWhatItDecodesAlone(String bundle, String loop) {
        Blip2Engine engine = engine(bundle, loop);
        Map<String, List<List<Integer>>> alone = new LinkedHashMap<>();
        for (InferenceRequest r : concat(others(), targets())) {
            alone.putAll(schedule(engine, List.of(r), 0, List.of()));
            // alone in a session = alone through the static path
            assertThat(alone.get(r.id())).as(r.id() + " alone vs static")
                    .isEqualTo(DecodingPathsTest.tokens(engine.infer(List.of(r))).getFirst());
        }
        for (InferenceRequest target : targets()) {
            for (int at : JOIN_STEPS) {
                Map<String, List<List<Integer>>> got = schedule(engine, others(), at, List.of(target));
                assertThat(got.get(target.id())).as(target.id() + " joining at step " + at).isEqualTo(alone.get(target.id()));
                for (InferenceRequest o : others()) {
                    assertThat(got.get(o.id())).as(o.id() + " with " + target.id() + " joining at step " + at)
                            .isEqualTo(alone.get(o.id()));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("engines")
    void newcomersArrivingOneByOneEveryStepDecodeWhatTheyDecodeAlone(String bundle, String loop) {
        Blip2Engine engine = engine(bundle, loop);
        List<InferenceRequest> all = concat(others(), targets());
        Map<String, List<List<Integer>>> got = new LinkedHashMap<>();
        try (DecodingSession<String> s = engine.openSession(16)) {
            int next = 0;
            while (next < all.size() || s.requests() > 0) {
                if (next < all.size()) {
                    InferenceRequest r = all.get(next++);
                    assertThat(s.admit(List.of(r.id()), engine.prepare(List.of(r)))).isEmpty();
                }
                collect(s.step(), got);
            }
        }
        for (InferenceRequest r : all) {
            assertThat(got.get(r.id())).as(r.id()).isEqualTo(schedule(engine, List.of(r), 0, List.of()).get(r.id()));
        }
    }

    /**
     * Runs {@code first} in a fresh session, lets {@code late} join after {@code joinAt} steps, and
     * decodes everything to the end.
     */
    static Map<String, List<List<Integer>>> schedule(Blip2Engine engine, List<InferenceRequest> first, int joinAt,
                                                      List<InferenceRequest> late) {
        Map<String, List<List<Integer>>> got = new LinkedHashMap<>();
        try (DecodingSession<String> s = engine.openSession(16)) {
            assertThat(s.admit(first.stream().map(InferenceRequest::id).toList(), engine.prepare(first))).isEmpty();
            int steps = 0;
            boolean joined = late.isEmpty();
            while (!joined || s.requests() > 0) {
                if (!joined && steps == joinAt) {
                    assertThat(s.requests()).as("requests running when the newcomer joins").isPositive();
                    assertThat(s.admit(late.stream().map(InferenceRequest::id).toList(), engine.prepare(late))).isEmpty();
                    joined = true;
                }
                collect(s.step(), got);
                steps++;
            }
        }
        return got;
    }

    static void collect(List<DecodingSession.Completed<String>> done, Map<String, List<List<Integer>>> into) {
        for (DecodingSession.Completed<String> c : done) {
            assertThat(c.outcome()).as(c.key()).isInstanceOf(InferenceOutcome.Success.class);
            into.put(c.key(), ((InferenceOutcome.Success) c.outcome()).sequences().stream()
                    .map(q -> Arrays.stream(q.tokenIds()).boxed().toList()).toList());
        }
    }

    static List<InferenceRequest> concat(List<InferenceRequest> a, List<InferenceRequest> b) {
        List<InferenceRequest> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
