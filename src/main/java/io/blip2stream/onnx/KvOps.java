package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cache moves of the host loop: rows kept, dropped or reordered ({@link #gather}), newcomers'
 * K/V appended to a running cache with the shorter side padded ({@link #join}), and columns every
 * row pads dropped ({@link #slice}). Both run the small {@link KvGraphs} through ONNX Runtime, the same graphs the
 * device loop binds ({@link DeviceDecoding}); the sessions are made once per shape of cache
 * (tensor count, element type) and shared. Thread-safe.
 */
final class KvOps implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KvOps.class);

    /** Axis of the cache's length in [rows, H, length, d]. */
    static final int LENGTH_AXIS = 2;

    private final OrtSessions sessions;
    private final Map<String, OrtSession> graphs = new ConcurrentHashMap<>();
    private volatile boolean closed;

    KvOps(OrtSessions sessions) {
        this.sessions = sessions;
    }

    /** The session of one cache graph for {@code count} tensors of {@code type}. */
    OrtSession session(KvGraphs.Kind kind, int count, OnnxJavaType type) {
        if (closed) {
            throw new IllegalStateException("the cache graphs are closed");
        }
        int elem = type == OnnxJavaType.FLOAT16 ? KvGraphs.FLOAT16 : KvGraphs.FLOAT;
        return graphs.computeIfAbsent(kind + ":" + count + "x" + elem,
                k -> sessions.open(KvGraphs.bytes(kind, count, elem), "kv_" + kind.name().toLowerCase(java.util.Locale.ROOT)));
    }

    /**
     * ONNX Pad's pads for a [rows, H, length, d] tensor: {@code before} zero columns at the start of
     * the length axis, {@code after} at its end.
     *
     * @return long[8]: the begins of the 4 axes, then their ends
     */
    static long[] lengthPads(long before, long after) {
        if (before < 0 || after < 0) {
            throw new IllegalArgumentException("pads must be >= 0, got " + before + ", " + after);
        }
        return new long[]{0, 0, before, 0, 0, 0, after, 0};
    }

    /**
     * {@code a}'s rows, then {@code b}'s, each padded along the length axis. Both are left untouched.
     *
     * @param padsA {@link #lengthPads} of {@code a}
     * @param padsB {@link #lengthPads} of {@code b}; both sides must come out equally long
     * @return a new state owning its tensors, each [rowsA + rowsB, H, length, d]
     */
    KvState join(KvState a, KvState b, long[] padsA, long[] padsB) {
        if (a.tensors().size() != b.tensors().size()) {
            throw new IllegalArgumentException(a.tensors().size() + " tensors joined with " + b.tensors().size());
        }
        if (a.length() + padsA[2] + padsA[6] != b.length() + padsB[2] + padsB[6]) {
            throw new IllegalArgumentException("joined lengths differ: " + a.length() + " padded by " + (padsA[2] + padsA[6])
                    + ", " + b.length() + " padded by " + (padsB[2] + padsB[6]));
        }
        int n = a.tensors().size();
        Map<String, OnnxTensor> in = new HashMap<>();
        try (OnnxTensor pa = Tensors.longs(sessions.environment(), padsA, 8);
             OnnxTensor pb = Tensors.longs(sessions.environment(), padsB, 8)) {
            in.put(KvGraphs.PADS_A, pa);
            in.put(KvGraphs.PADS_B, pb);
            for (int i = 0; i < n; i++) {
                in.put(KvGraphs.joinA(i), a.tensors().get(i));
                in.put(KvGraphs.joinB(i), b.tensors().get(i));
            }
            return run(KvGraphs.Kind.JOIN, n, a.type(), in);
        }
    }

    /**
     * Rows of every tensor: new row {@code i} is row {@code source[i]} (keep, drop, duplicate,
     * permute), in one native pass. {@code kv} is left untouched.
     *
     * @return a new state owning its tensors, each [source.length, H, length, d]
     */
    KvState gather(KvState kv, int[] source) {
        long[] index = rowIndex(source, kv.rows());   // [rows']
        int n = kv.tensors().size();
        Map<String, OnnxTensor> in = new HashMap<>();
        try (OnnxTensor idx = Tensors.longs(sessions.environment(), index, index.length)) {
            in.put(KvGraphs.INDEX, idx);
            for (int i = 0; i < n; i++) {
                in.put(KvGraphs.input(i), kv.tensors().get(i));
            }
            return run(KvGraphs.Kind.GATHER, n, kv.type(), in);
        }
    }

    /**
     * The gather graph's index input: {@code source} checked against {@code rows}.
     *
     * @return long[source.length]  // [rows']
     */
    static long[] rowIndex(int[] source, int rows) {
        long[] index = new long[source.length];
        for (int i = 0; i < source.length; i++) {
            if (source[i] < 0 || source[i] >= rows) {
                throw new IllegalArgumentException("row " + source[i] + " out of range [0, " + rows + ")");
            }
            index[i] = source[i];
        }
        return index;
    }

    /**
     * Columns {@code [start, end)} of the length axis of every tensor. {@code kv} is left untouched.
     *
     * @return a new state owning its tensors, each [rows, H, end - start, d]
     */
    KvState slice(KvState kv, long start, long end) {
        if (start < 0 || end > kv.length() || start >= end) {
            throw new IllegalArgumentException("cannot keep columns [" + start + ", " + end + ") of " + kv.length());
        }
        int n = kv.tensors().size();
        Map<String, OnnxTensor> in = new HashMap<>();
        try (OnnxTensor s = Tensors.longs(sessions.environment(), new long[]{start}, 1);
             OnnxTensor e = Tensors.longs(sessions.environment(), new long[]{end}, 1);
             OnnxTensor axes = Tensors.longs(sessions.environment(), new long[]{LENGTH_AXIS}, 1)) {
            in.put(KvGraphs.STARTS, s);
            in.put(KvGraphs.ENDS, e);
            in.put(KvGraphs.AXES, axes);
            for (int i = 0; i < n; i++) {
                in.put(KvGraphs.input(i), kv.tensors().get(i));
            }
            return run(KvGraphs.Kind.SLICE, n, kv.type(), in);
        }
    }

    private KvState run(KvGraphs.Kind kind, int n, OnnxJavaType type, Map<String, OnnxTensor> in) {
        OrtSession.Result r;
        try {
            r = session(kind, n, type).run(in);
        } catch (OrtException e) {
            throw new OnnxRunException("the cache " + kind.name().toLowerCase(java.util.Locale.ROOT) + " failed: "
                    + e.getMessage(), e);
        }
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(KvGraphs.output(i));
        }
        try {
            return KvState.fromResult(sessions.environment(), r, names, type, true);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (OrtSession s : graphs.values()) {
            try {
                s.close();
            } catch (OrtException e) {
                LOG.debugf("closing a cache graph: %s", e.getMessage());
            }
        }
        graphs.clear();
    }
}
