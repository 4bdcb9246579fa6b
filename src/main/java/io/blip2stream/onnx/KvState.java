package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.util.ArrayList;
import java.util.List;

/**
 * One set of KV tensors ({@code [rows, heads, length, headDim]} each, layer by layer, key before
 * value), held opaquely so float32 and float16 caches move the same way ({@link KvOps}). Either a
 * view of a run's outputs (the run's result is closed with it when {@code owner} is set) or
 * tensors it owns.
 */
public final class KvState implements AutoCloseable {
    private final OrtEnvironment env;
    private final List<OnnxTensor> tensors;   // each [rows, H, P, d]
    private final AutoCloseable owner;        // closes the tensors; null for a non-owning view
    private final OnnxJavaType type;
    private final int rows;
    private final long length;
    private boolean closed;

    private KvState(OrtEnvironment env, List<OnnxTensor> tensors, AutoCloseable owner, OnnxJavaType type,
                    int rows, long length) {
        this.env = env;
        this.tensors = tensors;
        this.owner = owner;
        this.type = type;
        this.rows = rows;
        this.length = length;
    }

    /**
     * The named outputs of a run.
     *
     * @param owns whether closing this state closes {@code result}
     */
    public static KvState fromResult(OrtEnvironment env, OrtSession.Result result, List<String> names,
                                     OnnxJavaType type, boolean owns) {
        List<OnnxTensor> ts = new ArrayList<>(names.size());
        for (String n : names) {
            ts.add(Tensors.output(result, n));
        }
        long[] shape = ts.getFirst().getInfo().getShape(); // [rows, H, P, d]
        return new KvState(env, ts, owns ? result : null, type, (int) shape[0], shape[2]);
    }

    /** A state owning {@code tensors} (each [rows, H, P, d]); closing it closes them. */
    static KvState fromTensors(OrtEnvironment env, List<OnnxTensor> tensors, OnnxJavaType type) {
        long[] shape = tensors.getFirst().getInfo().getShape();
        return new KvState(env, tensors, null, type, (int) shape[0], shape[2]).owningTensors();
    }

    /** An empty past (length 0) for the first decoder step. */
    public static KvState empty(OrtEnvironment env, int count, int rows, int heads, int headDim, OnnxJavaType type) {
        List<OnnxTensor> ts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            ts.add(Tensors.direct(env, Tensors.allocateDirect(0), type, rows, heads, 0, headDim));
        }
        return new KvState(env, ts, null, type, rows, 0).owningTensors();
    }

    private KvState owningTensors() {
        return new KvState(env, tensors, () -> tensors.forEach(OnnxTensor::close), type, rows, length);
    }

    public List<OnnxTensor> tensors() {
        return tensors;
    }

    public int rows() {
        return rows;
    }

    /** Element type of the cache (float32 or float16). */
    OnnxJavaType type() {
        return type;
    }

    /** Cached sequence length P. */
    public long length() {
        return length;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (owner != null) {
            try {
                owner.close();
            } catch (Exception e) {
                throw new OnnxRunException("cannot release KV tensors", e);
            }
        }
    }
}
