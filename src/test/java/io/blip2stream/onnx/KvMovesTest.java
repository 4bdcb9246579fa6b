package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import io.blip2stream.onnx.capi.NativeValue;
import io.blip2stream.onnx.capi.OrtHandles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cache moves of continuous batching, value by value: rows gathered, newcomers joined with the
 * shorter side padded (left for self-attention, right for cross-attention), columns sliced off, on
 * host tensors ({@link KvOps}) and through bound device values ({@link DeviceDecoding}, on CPU);
 * and the masks that go with them ({@link MaskRows}, {@link OptMask}, {@link T5Masks}).
 */
class KvMovesTest {
    private static OrtSessions sessions;
    private static KvOps ops;
    private static DeviceDecoding device;

    @BeforeAll
    static void open() {
        sessions = new OrtSessions(OrtConfig.defaults().withDevice(Device.CPU).withIntraOpThreads(1)
                .withDecodeLoop(DecodeLoop.DEVICE));
        sessions.open(KvGraphs.bytes(1, KvGraphs.FLOAT), "probe");   // records the provider
        ops = new KvOps(sessions);
        device = DeviceDecoding.choose(sessions, true).orElseThrow();
    }

    @AfterAll
    static void close() {
        ops.close();
        device.close();
    }

    /** [rows, 1, length, 1] with value 100 * row + column + 1 (0 never occurs: pads show as 0). */
    private static float[] values(int rows, int length) {
        float[] v = new float[rows * length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < length; c++) {
                v[r * length + c] = 100 * r + c + 1;
            }
        }
        return v;
    }

    private static KvState state(float[] v, int rows, int length) {
        OnnxTensor t = Tensors.floats(sessions.environment(), v, rows, 1, length, 1);
        return KvState.fromTensors(sessions.environment(), List.of(t), OnnxJavaType.FLOAT);
    }

    private static float[] read(KvState s) {
        return Tensors.readFloats(s.tensors().getFirst(), null);
    }

    @Test
    void aJoinAppendsTheNewcomersRowsWithTheShorterSidePaddedOnTheLeft() {
        try (KvState running = state(values(2, 3), 2, 3);
             KvState newcomer = state(values(1, 5), 1, 5);
             KvState joined = ops.join(running, newcomer, KvOps.lengthPads(2, 0), KvOps.lengthPads(0, 0))) {
            assertThat(joined.rows()).isEqualTo(3);
            assertThat(joined.length()).isEqualTo(5);
            assertThat(read(joined)).containsExactly(
                    0, 0, 1, 2, 3,
                    0, 0, 101, 102, 103,
                    1, 2, 3, 4, 5);
        }
    }

    @Test
    void aJoinCanPadOnTheRightForCrossAttention() {
        try (KvState running = state(values(1, 4), 1, 4);
             KvState newcomer = state(values(1, 2), 1, 2);
             KvState joined = ops.join(running, newcomer, KvOps.lengthPads(0, 0), KvOps.lengthPads(0, 2))) {
            assertThat(read(joined)).containsExactly(1, 2, 3, 4, 1, 2, 0, 0);
        }
    }

    @Test
    void joinedLengthsMustAgree() {
        try (KvState running = state(values(1, 4), 1, 4);
             KvState newcomer = state(values(1, 2), 1, 2)) {
            assertThatThrownBy(() -> ops.join(running, newcomer, KvOps.lengthPads(0, 0), KvOps.lengthPads(1, 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("joined lengths differ");
        }
    }

    @Test
    void aSliceKeepsTheColumnsAskedForAndAGatherTheRows() {
        try (KvState s = state(values(3, 4), 3, 4);
             KvState kept = ops.slice(s, 1, 3);
             KvState picked = ops.gather(s, new int[]{2, 0, 2})) {
            assertThat(kept.length()).isEqualTo(2);
            assertThat(read(kept)).containsExactly(2, 3, 102, 103, 202, 203);
            assertThat(read(picked)).containsExactly(201, 202, 203, 204, 1, 2, 3, 4, 201, 202, 203, 204);
            assertThatThrownBy(() -> ops.gather(s, new int[]{3})).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ops.slice(s, 2, 2)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theDeviceJoinAndSliceGiveTheHostsValues() {
        float[] a = values(2, 3);
        float[] b = values(1, 5);
        try (OnnxTensor ta = Tensors.floats(sessions.environment(), a, 2, 1, 3, 1);
             OnnxTensor tb = Tensors.floats(sessions.environment(), b, 1, 1, 5, 1);
             OnnxTensor back = Tensors.direct(sessions.environment(), Tensors.allocateDirect(3 * 3 * Float.BYTES),
                     OnnxJavaType.FLOAT, 3, 1, 3, 1)) {
            long[] identity = {0, 1, 2};
            List<NativeValue> da = device.runGather(new long[]{OrtHandles.value(ta)}, OnnxJavaType.FLOAT, new long[]{0, 1}, null);
            List<NativeValue> db = device.runGather(new long[]{OrtHandles.value(tb)}, OnnxJavaType.FLOAT, new long[]{0}, null);
            List<NativeValue> joined = device.join(da, db, KvOps.lengthPads(2, 0), KvOps.lengthPads(0, 0), OnnxJavaType.FLOAT);
            List<NativeValue> sliced = device.slice(joined, 2, 5, OnnxJavaType.FLOAT);
            DeviceDecoding.release(device.runGather(new long[]{sliced.getFirst().handle()}, OnnxJavaType.FLOAT, identity,
                    new long[]{OrtHandles.value(back)}));
            List.of(da, db, joined, sliced).forEach(DeviceDecoding::release);
            assertThat(Tensors.readFloats(back, null)).containsExactly(1, 2, 3, 101, 102, 103, 3, 4, 5);
        }
    }

    @Test
    void anOptMaskAppendsLeftPaddedRowsKeepsPositionsAndDropsCommonPadding() {
        OptMask running = new OptMask();
        long[] pos = running.start(new long[]{0, 1, 1, 1, 1, 1}, 2, 3);   // [[0,1,1],[1,1,1]]
        assertThat(pos).containsExactly(0, 0, 1, 0, 1, 2);
        OptMask newcomer = new OptMask();
        newcomer.start(new long[]{1, 1, 1, 1, 1, 1}, 1, 6);
        assertThat(running.padsToJoin(newcomer)).containsExactly(3, 0);
        running.append(newcomer);
        assertThat(running.length()).isEqualTo(6);
        assertThat(running.mask()).containsExactly(
                0, 0, 0, 0, 1, 1,
                0, 0, 0, 1, 1, 1,
                1, 1, 1, 1, 1, 1);
        assertThat(running.grow(3)).containsExactly(2, 3, 6);   // each row's own next position
        assertThat(running.commonPadding()).isZero();
        running.gather(new int[]{0, 1});   // the long row leaves
        assertThat(running.commonPadding()).isEqualTo(3);
        running.dropLeading(3);
        assertThat(running.mask()).containsExactly(0, 1, 1, 1, 1, 1, 1, 1);
        assertThat(running.grow(2)).containsExactly(3, 4);
    }

    @Test
    void t5MasksPadTheDecoderOnTheLeftAndTheEncoderOnTheRight() {
        T5Masks running = new T5Masks(new long[]{1, 1, 0, 1, 1, 1}, 2, true);   // E = 3
        running.grow();
        running.grow();                                                           // P = 3
        T5Masks newcomer = new T5Masks(new long[]{1, 1, 1, 1, 1}, 1, true);      // E = 5, P = 1
        assertThat(running.padsToJoin(newcomer)).containsExactly(0, 2, 2, 0);
        running.append(newcomer);
        assertThat(running.encoder()).containsExactly(1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1);
        assertThat(running.grow()).containsExactly(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1);
        running.gather(new int[]{0, 1});
        assertThat(running.commonEncoderPadding()).isEqualTo(2);
        running.dropEncoderTrailing(2);
        assertThat(running.encoder()).containsExactly(1, 1, 0, 1, 1, 1);
        T5Masks noDecoderMask = new T5Masks(new long[]{1}, 1, false);
        assertThat(noDecoderMask.grow()).isNull();
        assertThatThrownBy(() -> noDecoderMask.append(new T5Masks(new long[]{1}, 1, false)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void compactionPaysFromEightColumnsOrAQuarterOfTheCache() {
        assertThat(CachedStep.worthCompacting(0, 100)).isFalse();
        assertThat(CachedStep.worthCompacting(7, 100)).isFalse();
        assertThat(CachedStep.worthCompacting(8, 100)).isTrue();
        assertThat(CachedStep.worthCompacting(3, 12)).isTrue();
        assertThat(MaskRows.commonTrailing(new long[]{1, 0, 0, 1, 1, 0}, 2, 3)).isEqualTo(1);
        assertThat(MaskRows.commonLeading(new long[]{0, 0, 1, 0, 1, 1}, 2, 3)).isEqualTo(1);
    }
}
