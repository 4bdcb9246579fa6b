package io.blip2stream.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import org.junit.jupiter.api.Test;

import java.util.Map;

/** The pinned logits buffer: one tensor per row count, reused run after run. */
class LogitsOutputTest {

    @Test
    void oneTensorPerRowCountReusedUntilTheRowsChange() {
        io.blip2stream.onnx.capi.OrtTelemetry.disable();   // as OrtSessions does before the first environment
        try (LogitsOutput out = new LogitsOutput(OrtEnvironment.getEnvironment(), "logits", 11)) {
            Map<String, OnnxValue> first = out.pinned(3);
            OnnxTensor tensor = (OnnxTensor) first.get("logits");
            assertThat(tensor.getInfo().getShape()).containsExactly(3, 11);
            assertThat(out.pinned(3).get("logits")).isSameAs(tensor);
            float[] read = out.read();
            assertThat(read).hasSize(33);
            assertThat(out.read()).isSameAs(read);

            OnnxTensor fewer = (OnnxTensor) out.pinned(2).get("logits");   // rows finished early
            assertThat(fewer).isNotSameAs(tensor);
            assertThat(fewer.getInfo().getShape()).containsExactly(2, 11);
            assertThat(out.read()).hasSize(22);
        }
    }
}
