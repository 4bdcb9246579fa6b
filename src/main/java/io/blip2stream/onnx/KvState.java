package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One set of KV tensors ({@code [rows, heads, length, headDim]} each, layer by layer, key before
 * value), held opaquely as bytes so float32 and float16 caches move the same way. Either a view
 * of a run's outputs (the run's result is closed with it when {@code owner} is set) or tensors
 * over direct buffers made by {@link #gather(int[])}.
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

    /**
     * New tensors whose row {@code i} is this state's row {@code source[i]} (keep, drop, duplicate,
     * permute). This state is left untouched.
     */
    public KvState gather(int[] source) {
        List<OnnxTensor> out = new ArrayList<>(tensors.size());
        try {
            for (OnnxTensor t : tensors) {
                long[] shape = t.getInfo().getShape();   // [rows, H, P, d]
                long rowBytes = shape[1] * shape[2] * shape[3] * Tensors.elementSize(type);
                ByteBuffer src = t.getByteBuffer();      // copy of [rows, H, P, d]
                ByteBuffer dst = Tensors.allocateDirect(rowBytes * source.length); // [source.length, H, P, d]
                for (int r : source) {
                    if (r < 0 || r >= shape[0]) {
                        throw new IllegalArgumentException("row " + r + " out of range [0, " + shape[0] + ")");
                    }
                    ByteBuffer slice = src.duplicate();
                    slice.position((int) (r * rowBytes)).limit((int) ((r + 1) * rowBytes));
                    dst.put(slice);
                }
                dst.flip();
                out.add(Tensors.direct(env, dst, type, source.length, shape[1], shape[2], shape[3]));
            }
        } catch (RuntimeException e) {
            out.forEach(OnnxTensor::close);
            throw e;
        }
        return new KvState(env, out, null, type, source.length, length).owningTensors();
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
