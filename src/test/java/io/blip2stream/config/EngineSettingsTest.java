package io.blip2stream.config;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.Device;
import io.blip2stream.pipeline.EngineConfig;
import io.smallrye.config.PropertiesConfigSource;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EngineSettingsTest {

    private static Blip2Config config(Map<String, String> values) {
        return ConfigBuilders.blip2().withSources(new PropertiesConfigSource(values, "test", 500))
                .build().getConfigMapping(Blip2Config.class);
    }

    @Test
    void readsEveryEngineKey() {
        EngineConfig c = EngineSettings.of(config(Map.ofEntries(
                Map.entry("blip2.device", "cpu"),
                Map.entry("blip2.cuda.device-id", "1"),
                Map.entry("blip2.onnx.intra-op-threads", "3"),
                Map.entry("blip2.onnx.inter-op-threads", "1"),
                Map.entry("blip2.onnx.optimization-level", "basic"),
                Map.entry("blip2.onnx.allow-spinning", "true"),
                Map.entry("blip2.vision-cache.size", "7"),
                Map.entry("blip2.vision.max-batch", "4"),
                Map.entry("blip2.max-prompt-tokens", "64"),
                Map.entry("blip2.image.max-bytes", "1000"),
                Map.entry("blip2.decode-loop", "device"))));
        assertThat(c.ort().device()).isEqualTo(Device.CPU);
        assertThat(c.ort().cudaDeviceId()).isEqualTo(1);
        assertThat(c.ort().intraOpThreads()).isEqualTo(3);
        assertThat(c.ort().interOpThreads()).isEqualTo(1);
        assertThat(c.ort().optimizationLevel()).isEqualTo(OptLevel.BASIC_OPT);
        assertThat(c.ort().allowSpinning()).isTrue();
        assertThat(c.ort().decodeLoop()).isEqualTo(DecodeLoop.DEVICE);
        assertThat(c.visionCacheSize()).isEqualTo(7);
        assertThat(c.visionMaxBatch()).isEqualTo(4);
        assertThat(c.maxPromptTokens()).isEqualTo(64);
        assertThat(c.imageLimits().maxEncodedBytes()).isEqualTo(1000);
    }

    @Test
    void missingKeysTakeTheEnginesDefaults() {
        EngineConfig c = EngineSettings.of(config(Map.of()));
        assertThat(c).isEqualTo(EngineConfig.defaults());
    }

    @Test
    void anUnknownDeviceIsRejectedByName() {
        assertThatThrownBy(() -> EngineSettings.of(config(Map.of("blip2.device", "tpu"))))
                .hasMessageContaining("blip2.device must be auto, cpu or cuda, got 'tpu'");
        assertThatThrownBy(() -> EngineSettings.of(config(Map.of("blip2.decode-loop", "gpu"))))
                .hasMessageContaining("blip2.decode-loop must be auto, host or device, got 'gpu'");
    }
}
