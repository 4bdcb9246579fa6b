package io.blip2stream.messaging;

import io.blip2stream.api.ErrorCode;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.PreparedBatch;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner on the real tiny engine: one bad request or an engine fault never fails its batch-mates. */
class InferenceRunnerTest {

    private final InferenceEngine engine = Fixtures.engine("tiny-opt");

    private InferenceRequest caption(String id, byte[] image) {
        return new InferenceRequest(id, image, new Prompt.Caption(), engine.defaultOptions());
    }

    private static String text(InferenceOutcome o) {
        assertThat(o).isInstanceOf(InferenceOutcome.Success.class);
        return ((InferenceOutcome.Success) o).sequences().getFirst().text();
    }

    @Test
    void anEngineFaultFailsOnlyTheRequestThatCausesIt() {
        InferenceRunner runner = new InferenceRunner(new DelayingEngine(engine));
        byte[] a = TestImages.png(1);
        byte[] b = TestImages.png(2);

        List<InferenceOutcome> out = runner.run(List.of(caption("a", a),
                caption(DelayingEngine.FAIL_PREFIX + "x", a), caption("b", b)));

        assertThat(out).extracting(InferenceOutcome::id).containsExactly("a", DelayingEngine.FAIL_PREFIX + "x", "b");
        assertThat(out.get(1)).isInstanceOfSatisfying(InferenceOutcome.Failure.class,
                f -> assertThat(f.error().code()).isEqualTo(ErrorCode.INFERENCE_FAILED));
        assertThat(text(out.get(0))).isEqualTo(text(engine.infer(List.of(caption("a", a))).getFirst()));
        assertThat(text(out.get(2))).isEqualTo(text(engine.infer(List.of(caption("b", b))).getFirst()));
    }

    @Test
    void aBadImageFailsAloneWithItsOwnCode() {
        InferenceRunner runner = new InferenceRunner(engine);

        List<InferenceOutcome> out = runner.run(List.of(caption("good", TestImages.png(3)),
                caption("bad", "not an image".getBytes(StandardCharsets.UTF_8))));

        assertThat(out.get(0)).isInstanceOf(InferenceOutcome.Success.class);
        assertThat(out.get(1)).isInstanceOfSatisfying(InferenceOutcome.Failure.class,
                f -> assertThat(f.error().code()).isEqualTo(ErrorCode.INVALID_IMAGE));
    }

    @Test
    void aPreparedBatchWithAnEngineFaultIsRetriedRequestByRequest() {
        InferenceRunner runner = new InferenceRunner(new DelayingEngine(engine));
        byte[] a = TestImages.png(4);
        List<InferenceRequest> batch = List.of(caption(DelayingEngine.FAIL_PREFIX + "y", a), caption("c", a));

        PreparedBatch prepared = runner.prepare(batch);
        List<InferenceOutcome> out = runner.run(prepared);

        assertThat(prepared.requests()).isEqualTo(batch);
        assertThat(out).extracting(InferenceOutcome::id).containsExactly(DelayingEngine.FAIL_PREFIX + "y", "c");
        assertThat(out.get(0)).isInstanceOfSatisfying(InferenceOutcome.Failure.class,
                f -> assertThat(f.error().code()).isEqualTo(ErrorCode.INFERENCE_FAILED));
        assertThat(text(out.get(1))).isEqualTo(text(engine.infer(List.of(caption("c", a))).getFirst()));
    }
}
