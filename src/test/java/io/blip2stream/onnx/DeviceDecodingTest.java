package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.blip2stream.onnx.capi.IoBinding;
import io.blip2stream.onnx.capi.NativeValue;
import io.blip2stream.onnx.capi.OrtCApi;
import io.blip2stream.onnx.capi.OrtCApiException;
import io.blip2stream.onnx.capi.OrtHandles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The C API binding and the device-side row gather, on CPU: values made by bound runs, read back
 * from host memory; the typed errors of bad bindings; and when the device loop is chosen.
 */
class DeviceDecodingTest {
    private static final int H = 2;
    private static final int P = 3;
    private static final int D = 2;
    private static OrtSessions sessions;
    private static DeviceDecoding device;

    @BeforeAll
    static void open() {
        sessions = new OrtSessions(OrtConfig.defaults().withDevice(Device.CPU).withIntraOpThreads(1)
                .withDecodeLoop(DecodeLoop.DEVICE));
        sessions.open(KvGraphs.bytes(1, KvGraphs.FLOAT), "probe");   // records the provider
        device = DeviceDecoding.choose(sessions, true).orElseThrow();
    }

    @AfterAll
    static void close() {
        device.close();
    }

    @Test
    void theCApiIsTheLoadedLibrarysOwn() {
        assertThat(OrtCApi.load()).isPresent();
        assertThat(OrtCApi.load().get().version()).isEqualTo(sessions.environment().getVersion());
        assertThat(device.where()).isEqualTo("CPU");
    }

    @Test
    void gatherKeepsDropsDuplicatesAndPermutesRowsOfEveryTensor() {
        int rows = 3;
        List<NativeValue> kv = onDevice(rows, 2);   // tensor t, row r: every element = 100 t + r
        try {
            List<NativeValue> picked = device.gather(kv, rows, new int[]{2, 0, 2}, OnnxJavaType.FLOAT);
            try {
                assertThat(picked).hasSize(2);
                for (int t = 0; t < 2; t++) {
                    float[] v = read(picked.get(t), 3 * H * P * D);   // [3, H, P, d]
                    for (int r = 0; r < 3; r++) {
                        float want = 100 * t + new int[]{2, 0, 2}[r];
                        for (int i = 0; i < H * P * D; i++) {
                            assertThat(v[r * H * P * D + i]).as("tensor %d row %d", t, r).isEqualTo(want);
                        }
                    }
                }
            } finally {
                DeviceDecoding.release(picked);
            }
            assertThat(read(kv.get(1), rows * H * P * D)[H * P * D]).as("input untouched").isEqualTo(101f);
        } finally {
            DeviceDecoding.release(kv);
        }
    }

    @Test
    void aRowOutsideTheCacheIsRefusedBeforeAnyRun() {
        List<NativeValue> kv = onDevice(2, 1);
        try {
            assertThatThrownBy(() -> device.gather(kv, 2, new int[]{0, 2}, OnnxJavaType.FLOAT))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 2 out of range [0, 2)");
        } finally {
            DeviceDecoding.release(kv);
        }
    }

    @Test
    void badBindingsAreTypedErrorsWithOnnxRuntimesMessage() throws Exception {
        try (OrtSession s = sessions.open(KvGraphs.bytes(1, KvGraphs.FLOAT), "gather");
             OnnxTensor t = Tensors.floats(sessions.environment(), new float[H * P * D], 1, H, P, D);
             IoBinding bad = new IoBinding(OrtCApi.load().orElseThrow(), OrtHandles.session(s));
             IoBinding b = new IoBinding(OrtCApi.load().orElseThrow(), OrtHandles.session(s))) {
            assertThatThrownBy(() -> bad.input("no_such_input", OrtHandles.value(t)))
                    .isInstanceOf(OrtCApiException.class)
                    .hasMessageContaining("BindInput(no_such_input) failed");
            b.input(KvGraphs.input(0), OrtHandles.value(t));
            b.outputOnDevice(KvGraphs.output(0), cpu());
            assertThatThrownBy(b::run).isInstanceOf(OrtCApiException.class)
                    .hasMessageContaining("RunWithBinding failed").hasMessageContaining(KvGraphs.INDEX);
        }
    }

    @Test
    void aReleasedValueCannotBeUsedAndReleasesOnce() {
        List<NativeValue> kv = onDevice(1, 1);
        NativeValue v = kv.getFirst();
        v.close();
        v.close();
        assertThatThrownBy(v::handle).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theDeviceLoopIsChosenOnlyWhereItKeepsTheCacheOffTheHost() {
        OrtSessions auto = new OrtSessions(OrtConfig.defaults().withDevice(Device.CPU));
        auto.open(KvGraphs.bytes(1, KvGraphs.FLOAT), "probe");
        assertThat(DeviceDecoding.choose(auto, true)).as("auto on CPU").isEmpty();
        OrtSessions host = new OrtSessions(OrtConfig.defaults().withDecodeLoop(DecodeLoop.HOST));
        host.open(KvGraphs.bytes(1, KvGraphs.FLOAT), "probe");
        assertThat(DeviceDecoding.choose(host, true)).as("host").isEmpty();
        assertThat(DeviceDecoding.choose(sessions, false)).as("logits not float32").isEmpty();
        assertThatThrownBy(() -> DecodeLoop.parse("gpu")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blip2.decode-loop must be auto, host or device");
    }

    /** {@code count} tensors [rows, H, P, d] put on the device by a bound identity gather. */
    private static List<NativeValue> onDevice(int rows, int count) {
        OnnxTensor[] in = new OnnxTensor[count];
        long[] identity = new long[rows];
        for (int r = 0; r < rows; r++) {
            identity[r] = r;
        }
        try {
            long[] handles = new long[count];
            for (int t = 0; t < count; t++) {
                float[] data = new float[rows * H * P * D];
                for (int i = 0; i < data.length; i++) {
                    data[i] = 100 * t + i / (H * P * D);
                }
                in[t] = Tensors.floats(sessions.environment(), data, rows, H, P, D);
                handles[t] = OrtHandles.value(in[t]);
            }
            return device.runGather(handles, OnnxJavaType.FLOAT, identity, null);
        } finally {
            for (OnnxTensor t : in) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    private static MemorySegment cpuInfo;

    private static synchronized MemorySegment cpu() {
        if (cpuInfo == null) {
            cpuInfo = OrtCApi.load().orElseThrow().cpuMemoryInfo();
        }
        return cpuInfo;
    }

    private static float[] read(NativeValue v, int n) {
        return MemorySegment.ofAddress(v.hostData()).reinterpret((long) n * Float.BYTES)
                .toArray(ValueLayout.JAVA_FLOAT);
    }
}
