package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/** Small helpers to move arrays in and out of native tensors. */
public final class Tensors {
    private Tensors() {
    }

    public static OnnxTensor longs(OrtEnvironment env, long[] data, long... shape) {
        try {
            return OnnxTensor.createTensor(env, LongBuffer.wrap(data), shape);
        } catch (OrtException e) {
            throw new OnnxRunException("cannot create an int64 tensor", e);
        }
    }

    public static OnnxTensor floats(OrtEnvironment env, float[] data, long... shape) {
        try {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
        } catch (OrtException e) {
            throw new OnnxRunException("cannot create a float32 tensor", e);
        }
    }

    /** A tensor over a direct buffer (no copy); the buffer must stay untouched while the tensor lives. */
    public static OnnxTensor direct(OrtEnvironment env, ByteBuffer direct, OnnxJavaType type, long... shape) {
        try {
            return OnnxTensor.createTensor(env, direct, shape, type);
        } catch (OrtException e) {
            throw new OnnxRunException("cannot create a " + type + " tensor", e);
        }
    }

    public static ByteBuffer allocateDirect(long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new OnnxRunException("tensor of " + bytes + " bytes is too large for one buffer", null);
        }
        return ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
    }

    /** Bytes per element of a KV dtype. */
    public static int elementSize(OnnxJavaType type) {
        return switch (type) {
            case FLOAT, INT32 -> 4;
            case FLOAT16, BFLOAT16, INT16 -> 2;
            case DOUBLE, INT64 -> 8;
            case INT8, UINT8, BOOL -> 1;
            default -> throw new IllegalArgumentException("no fixed element size for " + type);
        };
    }

    /** The named output of a run, as a tensor. */
    public static OnnxTensor output(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() -> new OnnxRunException("output " + name + " missing", null));
        if (!(v instanceof OnnxTensor t)) {
            throw new OnnxRunException("output " + name + " is not a tensor", null);
        }
        return t;
    }

    /** Copies a float32 output into {@code dst} (sized to the tensor) and returns it. */
    public static float[] readFloats(OnnxTensor t, float[] dst) {
        FloatBuffer fb = t.getFloatBuffer();
        float[] out = dst != null && dst.length == fb.remaining() ? dst : new float[fb.remaining()];
        fb.get(out);
        return out;
    }
}
