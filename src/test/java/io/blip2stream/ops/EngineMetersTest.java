package io.blip2stream.ops;

import io.blip2stream.pipeline.EngineStats;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.testing.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's stage counters on the metrics, read at each scrape. */
class EngineMetersTest {

    @Test
    void theCountersFollowTheEnginesStages() {
        InferenceEngine engine = Fixtures.engine("tiny-opt");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EngineMeters.register(engine, registry);
        double steps = registry.get("blip2.engine.decode.steps").functionCounter().count();
        double prefillRows = registry.get("blip2.engine.prefill.rows").functionCounter().count();

        InferenceRequest r = new InferenceRequest("meters", Fixtures.imageBytes("cmyk_160x120.jpg"),
                new Prompt.Caption(), engine.defaultOptions());
        assertThat(engine.infer(List.of(r)).getFirst()).isInstanceOf(InferenceOutcome.Success.class);

        EngineStats.Snapshot now = engine.stats();
        assertThat(registry.get("blip2.engine.decode.steps").functionCounter().count()).isGreaterThan(steps)
                .isEqualTo((double) now.steps());
        assertThat(registry.get("blip2.engine.decode.rows").functionCounter().count()).isEqualTo((double) now.stepRows());
        assertThat(registry.get("blip2.engine.prefill.rows").functionCounter().count()).isEqualTo(prefillRows + 1);
        assertThat(registry.get("blip2.engine.decode.seconds").functionCounter().count())
                .isEqualTo(now.stepNanos() / 1e9);
        assertThat(registry.get("blip2.engine.vision.seconds").functionCounter().count()).isNotNegative();
        assertThat(registry.get("blip2.engine.reorder.seconds").functionCounter().count()).isNotNegative();
        assertThat(registry.getMeters()).hasSize(10);
    }
}
