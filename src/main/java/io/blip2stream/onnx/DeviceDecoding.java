package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.blip2stream.onnx.capi.IoBinding;
import io.blip2stream.onnx.capi.NativeValue;
import io.blip2stream.onnx.capi.OrtCApi;
import io.blip2stream.onnx.capi.OrtHandles;
import org.jboss.logging.Logger;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a decoding loop needs to keep its K/V cache on the decoder's device ({@link DecodeLoop#DEVICE}):
 * ONNX Runtime's C API, the memory the cache lives in (CUDA memory of the configured GPU, or host
 * memory on CPU), bindings of a graph's inputs and outputs, and a row gather that runs there too
 * ({@link KvGraphs}). Made once per language model; thread-safe (each loop binds its own runs).
 */
final class DeviceDecoding implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DeviceDecoding.class);

    private final OrtCApi api;
    private final OrtSessions sessions;
    private final MemorySegment kvMemory;     // OrtMemoryInfo*
    private final String where;
    private final KvOps graphs;   // the gather, join and slice sessions
    private volatile boolean closed;

    private DeviceDecoding(OrtCApi api, OrtSessions sessions, MemorySegment kvMemory, String where) {
        this.api = api;
        this.sessions = sessions;
        this.kvMemory = kvMemory;
        this.where = where;
        this.graphs = new KvOps(sessions);
    }

    /**
     * The device loop for a language model whose decoder was just loaded, or empty for the host
     * loop: when configured ({@code host}), on CPU under {@code auto}, or when the C API cannot be
     * reached (logged, with the reason).
     *
     * @param floatLogits whether the decoder's logits are float32 (they go into a pinned host buffer)
     */
    static Optional<DeviceDecoding> choose(OrtSessions sessions, boolean floatLogits) {
        DecodeLoop loop = sessions.config().decodeLoop();
        String provider = sessions.chosenProvider();
        boolean cuda = provider != null && provider.startsWith("CUDA");
        if (loop == DecodeLoop.HOST || (loop == DecodeLoop.AUTO && !cuda)) {
            return Optional.empty();
        }
        if (!floatLogits) {
            LOG.warnf("decoding loop: the K/V cache stays in host memory (the decoder's logits are not float32)");
            return Optional.empty();
        }
        Optional<OrtCApi> api = OrtCApi.load();
        if (api.isEmpty()) {
            LOG.warnf("decoding loop: the K/V cache stays in host memory%s: ONNX Runtime's C API is not reachable (%s)",
                    cuda ? " and crosses PCIe twice per step" : "", OrtCApi.unavailableReason());
            return Optional.empty();
        }
        try {
            OrtHandles.check();
            MemorySegment memory = cuda
                    ? api.get().deviceMemoryInfo("Cuda", sessions.config().cudaDeviceId())
                    : api.get().cpuMemoryInfo();
            DeviceDecoding d = new DeviceDecoding(api.get(), sessions, memory, provider);
            try {
                d.probe();
            } catch (RuntimeException e) {
                d.close();
                throw e;
            }
            LOG.infof("decoding loop: the K/V cache stays on %s between steps (IoBinding, ONNX Runtime %s C API)",
                    provider, api.get().version());
            return Optional.of(d);
        } catch (RuntimeException e) {
            LOG.warnf("decoding loop: the K/V cache stays in host memory: %s", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The whole device path once, before any request depends on it: values put into the cache's
     * memory by one bound gather, gathered there by a second (rows reversed), and read back through
     * host memory. Throws when any step fails or the values come back wrong.
     */
    private void probe() {
        float[] data = {1.5f, -2.25f};                                              // [2, 1, 1, 1]
        long[] identity = {0, 1};
        try (OnnxTensor in = Tensors.floats(sessions.environment(), data, 2, 1, 1, 1);
             OnnxTensor back = Tensors.direct(sessions.environment(), Tensors.allocateDirect(2 * Float.BYTES),
                     OnnxJavaType.FLOAT, 2, 1, 1, 1)) {
            List<NativeValue> onDevice = runGather(new long[]{OrtHandles.value(in)}, OnnxJavaType.FLOAT, identity, null);
            List<NativeValue> reversed = null;
            try {
                reversed = gather(onDevice, 2, new int[]{1, 0}, OnnxJavaType.FLOAT);
                release(runGather(new long[]{reversed.getFirst().handle()}, OnnxJavaType.FLOAT, identity,
                        new long[]{OrtHandles.value(back)}));
            } finally {
                release(onDevice);
                release(reversed);
            }
            float[] got = Tensors.readFloats(back, null);
            if (got[0] != data[1] || got[1] != data[0]) {
                throw new IllegalStateException("the device probe read back " + java.util.Arrays.toString(got)
                        + " instead of [" + data[1] + ", " + data[0] + "]");
            }
        }
    }

    /** "CUDA:0" or "CPU": where the cache lives. */
    String where() {
        return where;
    }

    /** A binding of one run of {@code graph}; the caller closes it. */
    IoBinding bind(OnnxGraph graph) {
        return new IoBinding(api, graph.nativeSession());
    }

    /** Binds {@code names} as outputs left in the cache's memory. */
    void outputsOnDevice(IoBinding b, List<String> names) {
        for (String n : names) {
            b.outputOnDevice(n, kvMemory);
        }
    }

    /**
     * Rows of device-resident K/V tensors, on the device: new row {@code i} of every tensor is its
     * row {@code source[i]}. The inputs are left untouched.
     *
     * @param kv     each [rows, H, P, d]
     * @param source indices in [0, rows)
     * @return each [source.length, H, P, d], owned by the caller
     */
    List<NativeValue> gather(List<NativeValue> kv, int rows, int[] source, OnnxJavaType type) {
        return runGather(kv.stream().mapToLong(NativeValue::handle).toArray(), type, KvOps.rowIndex(source, rows), null);
    }

    /**
     * One bound run of the gather graph.
     *
     * @param inputs      {@code OrtValue*} per tensor, host or device
     * @param hostOutputs {@code OrtValue*} per tensor to write into (host tensors), or null: outputs on the device
     */
    List<NativeValue> runGather(long[] inputs, OnnxJavaType type, long[] index, long[] hostOutputs) {
        OrtSession g = gatherSession(inputs.length, type);
        try (OnnxTensor idx = Tensors.longs(sessions.environment(), index, index.length);
             IoBinding b = new IoBinding(api, OrtHandles.session(g))) {
            for (int i = 0; i < inputs.length; i++) {
                b.input(KvGraphs.input(i), inputs[i]);
            }
            b.input(KvGraphs.INDEX, OrtHandles.value(idx));
            for (int i = 0; i < inputs.length; i++) {
                if (hostOutputs == null) {
                    b.outputOnDevice(KvGraphs.output(i), kvMemory);
                } else {
                    b.output(KvGraphs.output(i), hostOutputs[i]);
                }
            }
            return b.run();
        }
    }

    private OrtSession gatherSession(int count, OnnxJavaType type) {
        return graphs.session(KvGraphs.Kind.GATHER, count, type);
    }

    /**
     * Newcomers' K/V appended to running K/V on the device ({@link KvGraphs.Kind#JOIN}); the inputs
     * are left untouched.
     *
     * @param a     each [rowsA, H, lengthA, d]
     * @param b     each [rowsB, H, lengthB, d]
     * @param padsA {@link KvOps#lengthPads} of {@code a}; {@code padsB} of {@code b}
     * @return each [rowsA + rowsB, H, length, d] on the device, owned by the caller
     */
    List<NativeValue> join(List<NativeValue> a, List<NativeValue> b, long[] padsA, long[] padsB, OnnxJavaType type) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(a.size() + " tensors joined with " + b.size());
        }
        OrtSession g = graphs.session(KvGraphs.Kind.JOIN, a.size(), type);
        try (OnnxTensor pa = Tensors.longs(sessions.environment(), padsA, 8);
             OnnxTensor pb = Tensors.longs(sessions.environment(), padsB, 8);
             IoBinding bind = new IoBinding(api, OrtHandles.session(g))) {
            for (int i = 0; i < a.size(); i++) {
                bind.input(KvGraphs.joinA(i), a.get(i).handle()).input(KvGraphs.joinB(i), b.get(i).handle());
            }
            bind.input(KvGraphs.PADS_A, OrtHandles.value(pa)).input(KvGraphs.PADS_B, OrtHandles.value(pb));
            for (int i = 0; i < a.size(); i++) {
                bind.outputOnDevice(KvGraphs.output(i), kvMemory);
            }
            return bind.run();
        }
    }

    /**
     * Columns {@code [start, end)} of the length axis of device K/V ({@link KvGraphs.Kind#SLICE}).
     *
     * @param kv each [rows, H, length, d]
     * @return each [rows, H, end - start, d] on the device, owned by the caller
     */
    List<NativeValue> slice(List<NativeValue> kv, long start, long end, OnnxJavaType type) {
        OrtSession g = graphs.session(KvGraphs.Kind.SLICE, kv.size(), type);
        try (OnnxTensor s = Tensors.longs(sessions.environment(), new long[]{start}, 1);
             OnnxTensor e = Tensors.longs(sessions.environment(), new long[]{end}, 1);
             OnnxTensor axes = Tensors.longs(sessions.environment(), new long[]{KvOps.LENGTH_AXIS}, 1);
             IoBinding bind = new IoBinding(api, OrtHandles.session(g))) {
            for (int i = 0; i < kv.size(); i++) {
                bind.input(KvGraphs.input(i), kv.get(i).handle());
            }
            bind.input(KvGraphs.STARTS, OrtHandles.value(s)).input(KvGraphs.ENDS, OrtHandles.value(e))
                    .input(KvGraphs.AXES, OrtHandles.value(axes));
            for (int i = 0; i < kv.size(); i++) {
                bind.outputOnDevice(KvGraphs.output(i), kvMemory);
            }
            return bind.run();
        }
    }

    /** Releases every value of a list (the first failure is rethrown after all were tried). */
    static void release(List<NativeValue> values) {
        if (values == null) {
            return;
        }
        RuntimeException first = null;
        for (NativeValue v : values) {
            try {
                v.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        graphs.close();
        api.releaseMemoryInfo(kvMemory);
    }
}
