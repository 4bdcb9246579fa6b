package io.blip2stream.pipeline;

import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.blip2stream.imaging.Png;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Behaviour of the engine around generation: failures stay per request, the vision cache, limits. */
class Blip2EngineTest {
    private static final String BUNDLE = "tiny-opt";

    private static Blip2Engine engine() {
        return Fixtures.engine(BUNDLE);
    }

    private static InferenceRequest request(String id, byte[] image, Prompt prompt) {
        return new InferenceRequest(id, image, prompt, GenerationOptions.greedy(5));
    }

    @Test
    void aBadImageFailsAloneAndItsBatchMatesSucceed() {
        byte[] good = Fixtures.imageBytes("photo_640x480.jpg");
        List<InferenceOutcome> out = engine().infer(List.of(
                request("good-1", good, new Prompt.Caption()),
                request("bad", "not an image at all".getBytes(), new Prompt.Caption()),
                request("good-2", good, new Prompt.Vqa("what is this?"))));
        assertThat(out).extracting(InferenceOutcome::id).containsExactly("good-1", "bad", "good-2");
        assertThat(out.get(0)).isInstanceOf(InferenceOutcome.Success.class);
        assertThat(out.get(2)).isInstanceOf(InferenceOutcome.Success.class);
        assertThat(out.get(1)).isInstanceOfSatisfying(InferenceOutcome.Failure.class,
                f -> assertThat(f.error().code()).isIn(ErrorCode.INVALID_IMAGE, ErrorCode.UNSUPPORTED_IMAGE_FORMAT));
    }

    @Test
    void theSameImageAgainIsACacheHitWithTheSameAnswer() {
        byte[] img = Fixtures.imageBytes("portrait_300x500.png");
        long hits = engine().visionCache().hits();
        InferenceOutcome first = engine().infer(List.of(request("a", img, new Prompt.Caption()))).getFirst();
        InferenceOutcome second = engine().infer(List.of(request("b", img, new Prompt.Caption()))).getFirst();
        assertThat(((InferenceOutcome.Success) second).visionCacheHit()).isTrue();
        assertThat(engine().visionCache().hits()).isGreaterThan(hits);
        assertThat(((InferenceOutcome.Success) second).sequences().getFirst().tokenIds())
                .containsExactly(((InferenceOutcome.Success) first).sequences().getFirst().tokenIds());
    }

    @Test
    void aPromptOverTheLimitIsPromptTooLongWithTheLimit() {
        String longPrompt = "word ".repeat(2000);
        InferenceOutcome out = engine().infer(List.of(request("long", Fixtures.imageBytes("photo_640x480.jpg"),
                new Prompt.Raw(longPrompt)))).getFirst();
        assertThat(out).isInstanceOfSatisfying(InferenceOutcome.Failure.class, f -> {
            assertThat(f.error().code()).isEqualTo(ErrorCode.PROMPT_TOO_LONG);
            assertThat(f.error().limit()).hasValue(engine().tokenizer().maxPromptTokens());
        });
    }

    /** A raw prompt of between {@code min} and {@code max} text tokens. */
    private static Prompt.Raw promptOf(int min, int max) {
        for (int n = 1; n < 1000; n++) {
            String text = "a ".repeat(n);
            int tokens = engine().tokenizer().encodeText(engine().formatter().format(new Prompt.Raw(text))).length;
            if (tokens >= min && tokens <= max) {
                return new Prompt.Raw(text);
            }
        }
        throw new IllegalStateException("no prompt of " + min + " to " + max + " tokens");
    }

    @Test
    void aPromptThatLeavesNoRoomInThePositionTableFailsAloneBeforeInference() {
        // tiny-opt: 256 positions, Q = 32; greedy(5) needs 5 more: a prompt over 219 tokens does not fit
        assertThat(engine().lmPositions()).isEqualTo(256);
        byte[] img = Fixtures.imageBytes("photo_640x480.jpg");
        List<InferenceOutcome> out = engine().infer(List.of(
                request("good-1", img, new Prompt.Caption()),
                request("culprit", img, promptOf(221, 224)),
                request("good-2", img, new Prompt.Vqa("what is this?"))));

        assertThat(out).extracting(InferenceOutcome::id).containsExactly("good-1", "culprit", "good-2");
        assertThat(out.get(0)).isInstanceOf(InferenceOutcome.Success.class);
        assertThat(out.get(2)).isInstanceOf(InferenceOutcome.Success.class);
        assertThat(out.get(1)).isInstanceOfSatisfying(InferenceOutcome.Failure.class, f -> {
            assertThat(f.error().code()).isEqualTo(ErrorCode.PROMPT_TOO_LONG);
            assertThat(f.error().limit()).hasValue(256 - 32 - 5);
        });
    }

    @Test
    void thePromptLimitIsTheSmallestOfModelMaxLengthAndThePositionTableLessTheQueryTokens() {
        // model_max_length 512, position table 256, Q = 32
        assertThat(engine().tokenizer().maxPromptTokens()).isEqualTo(256 - 32);
        InferenceOutcome out = engine().infer(List.of(request("long", Fixtures.imageBytes("photo_640x480.jpg"),
                new Prompt.Raw("a ".repeat(300))))).getFirst();
        assertThat(out).isInstanceOfSatisfying(InferenceOutcome.Failure.class, f -> {
            assertThat(f.error().code()).isEqualTo(ErrorCode.PROMPT_TOO_LONG);
            assertThat(f.error().limit()).hasValue(224);
        });
    }

    @Test
    void successCarriesStageTimingsAndTheBatchSize() {
        byte[] img = Fixtures.imageBytes("wide_1200x300.jpg");
        List<InferenceOutcome> out = engine().infer(List.of(
                request("x", img, new Prompt.Caption()),
                new InferenceRequest("y", img, new Prompt.Caption(), GenerationOptions.greedy(3))));
        InferenceOutcome.Success x = (InferenceOutcome.Success) out.get(0);
        InferenceOutcome.Success y = (InferenceOutcome.Success) out.get(1);
        assertThat(x.batchSize()).isEqualTo(2);   // different options share one language-model batch
        assertThat(y.sequences().getFirst().tokenIds().length).isLessThanOrEqualTo(3);
        // and each decodes what it decodes alone
        assertThat(x.sequences().getFirst().tokenIds())
                .isEqualTo(((InferenceOutcome.Success) engine().infer(List.of(request("x", img, new Prompt.Caption())))
                        .getFirst()).sequences().getFirst().tokenIds());
        assertThat(x.timings().generateMs()).isPositive();
        assertThat(x.timings().totalMs()).isGreaterThanOrEqualTo(x.timings().generateMs());
    }

    @Test
    void samplingWithoutASeedIsReproducibleFromTheRequestIdAndBatchIndependent() {
        GenerationOptions sample = GenerationOptions.of(GenerationOverrides.builder().maxNewTokens(12).doSample(true)
                .temperature(1.5).topK(0).build());
        byte[] a = Fixtures.imageBytes("photo_640x480.jpg");
        byte[] b = Fixtures.imageBytes("gray_256x256.png");
        List<InferenceRequest> batch = List.of(
                new InferenceRequest("sample-a", a, new Prompt.Caption(), sample),
                new InferenceRequest("sample-b", b, new Prompt.Caption(), sample));
        List<InferenceOutcome> first = engine().infer(batch);
        List<InferenceOutcome> again = engine().infer(batch);
        List<InferenceOutcome> aloneB = engine().infer(List.of(batch.get(1)));
        assertThat(DecodingPathsTest.tokens(again)).isEqualTo(DecodingPathsTest.tokens(first));
        assertThat(DecodingPathsTest.tokens(aloneB).getFirst()).isEqualTo(DecodingPathsTest.tokens(first).get(1));
        List<InferenceOutcome> otherId = engine().infer(List.of(
                new InferenceRequest("sample-a-2", a, new Prompt.Caption(), sample.withSeed(7L)),
                new InferenceRequest("sample-a-3", a, new Prompt.Caption(), sample.withSeed(8L))));
        assertThat(DecodingPathsTest.tokens(otherId).get(0)).isNotEqualTo(DecodingPathsTest.tokens(otherId).get(1));
    }

    @Test
    void aBatchPreparedAheadGetsWhatItWouldGetDirectly() {
        List<InferenceRequest> batch = List.of(
                request("p-1", Fixtures.imageBytes("rgba_320x240.png"), new Prompt.Caption()),
                request("p-bad", new byte[]{1, 2, 3}, new Prompt.Caption()),
                request("p-2", Fixtures.imageBytes("palette_200x150.png"), new Prompt.Vqa("what colour?")));

        PreparedBatch prepared = engine().prepare(batch);
        List<InferenceOutcome> ahead = engine().infer(prepared);
        List<InferenceOutcome> direct = engine().infer(batch);

        assertThat(prepared.requests()).isEqualTo(batch);
        assertThat(ahead).extracting(InferenceOutcome::id).containsExactly("p-1", "p-bad", "p-2");
        assertThat(ahead.get(1)).isInstanceOf(InferenceOutcome.Failure.class);
        assertThat(DecodingPathsTest.tokens(List.of(ahead.get(0), ahead.get(2))))
                .isEqualTo(DecodingPathsTest.tokens(List.of(direct.get(0), direct.get(2))));
    }

    @Test
    void requestsPreparedApartAndCombinedGetWhatTheirBatchGetsDirectly() {
        byte[] shared = uniqueImage();
        List<InferenceRequest> batch = List.of(
                request("k-1", shared, new Prompt.Caption()),
                request("k-bad", new byte[]{1, 2, 3}, new Prompt.Caption()),
                request("k-2", uniqueImage(), new Prompt.Vqa("what colour?")),
                request("k-3", shared, new Prompt.Vqa("what is it?")),   // the first part's image again
                new InferenceRequest("k-no-prompt", Fixtures.imageBytes("rgba_320x240.png"), null,
                        GenerationOptions.greedy(5)));
        List<PreparedBatch> parts = List.of(
                engine().prepare(batch.subList(0, 1)),
                engine().prepare(batch.subList(1, 3)),
                engine().prepare(batch.subList(3, 4)),
                engine().prepare(batch.subList(4, 5)));

        PreparedBatch combined = engine().combine(parts);
        long runsBefore = engine().stats().visionRuns();
        long imagesBefore = engine().stats().visionImages();
        List<InferenceOutcome> out = engine().infer(combined);

        assertThat(combined.requests()).isEqualTo(batch);
        assertThat(engine().stats().visionRuns() - runsBefore).isEqualTo(1);   // one vision run for the whole batch
        assertThat(engine().stats().visionImages() - imagesBefore).isEqualTo(2);   // the shared image once
        assertThat(out).extracting(InferenceOutcome::id).containsExactly("k-1", "k-bad", "k-2", "k-3", "k-no-prompt");
        assertThat(out.get(1)).isInstanceOf(InferenceOutcome.Failure.class);
        assertThat(out.get(4)).isInstanceOfSatisfying(InferenceOutcome.Failure.class,
                f -> assertThat(f.error().code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        List<InferenceOutcome> direct = engine().infer(batch);
        assertThat(DecodingPathsTest.tokens(List.of(out.get(0), out.get(2), out.get(3))))
                .isEqualTo(DecodingPathsTest.tokens(List.of(direct.get(0), direct.get(2), direct.get(3))));
    }

    @Test
    void anImageCachedWhileItsBatchWaitedIsTakenFromTheCache() {
        byte[] img = uniqueImage();
        PreparedBatch first = engine().prepare(List.of(request("c-1", img, new Prompt.Caption())));
        PreparedBatch second = engine().prepare(List.of(request("c-2", img, new Prompt.Caption())));   // a miss too

        InferenceOutcome.Success a = (InferenceOutcome.Success) engine().infer(first).getFirst();
        InferenceOutcome.Success b = (InferenceOutcome.Success) engine().infer(second).getFirst();

        assertThat(a.visionCacheHit()).isFalse();
        assertThat(b.visionCacheHit()).isTrue();
        assertThat(b.sequences().getFirst().tokenIds()).containsExactly(a.sequences().getFirst().tokenIds());
    }

    /** A PNG no other test has put in the shared engine's vision cache. */
    private static byte[] uniqueImage() {
        BufferedImage img = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);   // [40, 48] RGB
        int seed = (int) System.nanoTime();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, (seed + x * 31 + y * 17) & 0xFFFFFF);
            }
        }
        return Png.encode(img);
    }
}
