package io.blip2stream.api;

import io.blip2stream.pipeline.generate.GenerationOptions;

import java.util.List;

/** Wire values used by several tests. */
final class WireFixtures {

    static final RecordSource SOURCE = new RecordSource("blip2.questions", 2, 41L);
    static final GenerationOptions DEFAULTS = GenerationOptions.greedy(20);

    static ResultRecord caption() {
        return new ResultRecord("req-1", Task.CAPTION, "a cat on a mat", null, "eos", null, "tiny-opt", 3,
                new TimingMs(1.5, 2.0, 3.0, 4.0, 10.5), new RecordSource("blip2.images", 0, 7L));
    }

    static ResultRecord answerWithEverything() {
        return new ResultRecord("req-2", Task.VQA, "two", List.of("two", "three"), "length",
                List.of(new int[] {5, 6}, new int[] {5, 7}), "tiny-opt", 1,
                new TimingMs(0, 0.1, 0.2, 0.3, 0.6), SOURCE);
    }

    static ErrorResult tooLarge() {
        return ErrorResult.of("req-3", Task.CAPTION,
                Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the image", 20_000_000, 10_485_760), SOURCE);
    }

    static ErrorResult withoutLimit() {
        return ErrorResult.of("req-4", Task.CHAT, new Blip2Exception(ErrorCode.INVALID_IMAGE, "not an image"), SOURCE);
    }

    private WireFixtures() {
    }
}
