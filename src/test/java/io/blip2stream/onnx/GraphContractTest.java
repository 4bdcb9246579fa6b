package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import io.blip2stream.model.BundleException;
import io.blip2stream.model.ModelBundle;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GraphContractTest {
    private final OrtSessions sessions = new OrtSessions(OrtConfig.defaults().withDevice(Device.CPU).withIntraOpThreads(1));

    @Test
    void theTinyGraphsSatisfyTheirContracts() {
        ModelBundle bundle = ModelBundle.open(Fixtures.bundle("tiny-opt"));
        int layers = bundle.manifest().kvCache().numLayers();
        try (OnnxGraph g = OnnxGraph.open(sessions, bundle, OptLanguageModel.decoderContract(layers, OnnxJavaType.FLOAT))) {
            assertThat(g.contract().inputs()).containsKey("past_key_values.0.key");
        }
    }

    @Test
    void aDecoderWithFewerLayersThanExpectedIsRejectedNamingTheMissingInput() {
        ModelBundle bundle = ModelBundle.open(Fixtures.bundle("tiny-opt"));
        int layers = bundle.manifest().kvCache().numLayers();
        assertThatThrownBy(() -> OnnxGraph.open(sessions, bundle,
                OptLanguageModel.decoderContract(layers + 1, OnnxJavaType.FLOAT)))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("graph decoder: missing input past_key_values." + layers + ".key; session has: [");
    }

    @Test
    void aWrongKvDtypeIsRejected() {
        ModelBundle bundle = ModelBundle.open(Fixtures.bundle("tiny-opt"));
        int layers = bundle.manifest().kvCache().numLayers();
        assertThatThrownBy(() -> OnnxGraph.open(sessions, bundle,
                OptLanguageModel.decoderContract(layers, OnnxJavaType.FLOAT16)))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("has element type FLOAT, expected FLOAT16");
    }

    @Test
    void theVisionGraphIsNotADecoder() {
        ModelBundle bundle = ModelBundle.open(Fixtures.bundle("tiny-opt"));
        GraphContract wrong = GraphContract.builder("vision").input("input_ids", OnnxJavaType.INT64).build();
        assertThatThrownBy(() -> OnnxGraph.open(sessions, bundle, wrong))
                .hasMessageContaining("missing input input_ids")
                .hasMessageContaining("unexpected input pixel_values");
    }
}
