package io.blip2stream.onnx;

import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OnnxInitializersTest {

    @Test
    void readsTheShapeOfANamedInitializerWithoutLoadingTheGraph() {
        // tiny-opt: max_position_embeddings 256 (+ OPT's offset of 2), hidden size 64
        assertThat(OnnxInitializers.dims(Fixtures.bundle("tiny-opt").resolve("decoder.onnx"),
                n -> n.endsWith("embed_positions.weight"))).hasValueSatisfying(d -> assertThat(d).containsExactly(258, 64));
        assertThat(OnnxInitializers.dims(Fixtures.bundle("tiny-opt").resolve("decoder.onnx"), n -> n.equals("nope")))
                .isEmpty();
    }
}
