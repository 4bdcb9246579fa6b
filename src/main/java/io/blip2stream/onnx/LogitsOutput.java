package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Where a decoding loop's float32 logits go, step after step: ONNX Runtime writes them into one
 * native buffer (a pinned output), and {@link #read()} copies them into one Java array. Neither is
 * reallocated while the row count stays the same, so a step allocates nothing for its logits (they
 * are the largest output: [rows, V] floats, 1.6 MB at 8 rows of OPT's 50272). Not thread-safe;
 * one loop owns one instance.
 */
final class LogitsOutput implements AutoCloseable {
    private final OrtEnvironment env;
    private final String name;
    private final int vocab;
    private int rows = -1;
    private ByteBuffer buffer;   // [rows, V] float32, native order
    private OnnxTensor tensor;   // over buffer
    private float[] array;       // [rows * V]

    LogitsOutput(OrtEnvironment env, String name, int vocab) {
        this.env = env;
        this.name = name;
        this.vocab = vocab;
    }

    /** The output to pin for a run over {@code rows} rows: the name of the logits and their tensor. */
    Map<String, OnnxValue> pinned(int rows) {
        return Map.of(name, tensor(rows));
    }

    /** The tensor [rows, V] that a run over {@code rows} rows writes its logits into (a bound output). */
    OnnxTensor tensor(int rows) {
        if (rows != this.rows) {
            closeTensor();
            buffer = Tensors.allocateDirect((long) rows * vocab * Float.BYTES);
            tensor = Tensors.direct(env, buffer, OnnxJavaType.FLOAT, rows, vocab);
            array = new float[rows * vocab];
            this.rows = rows;
        }
        return tensor;
    }

    /**
     * The logits of the latest run, valid until the next run.
     *
     * @return float[rows * V]  // [rows, V]
     */
    float[] read() {
        FloatBuffer view = buffer.asFloatBuffer();
        view.get(0, array);
        return array;
    }

    private void closeTensor() {
        if (tensor != null) {
            tensor.close();
            tensor = null;
        }
    }

    @Override
    public void close() {
        closeTensor();
        buffer = null;
        array = null;
        rows = -1;
    }
}
