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

    /**
     * Copies a float output (float32, or float16 widened) into {@code dst} when it is sized to the
     * tensor; with no {@code dst}, returns the array of ONNX Runtime's own copy, with no second copy.
     */
    public static float[] readFloats(OnnxTensor t, float[] dst) {
        FloatBuffer fb = t.getFloatBuffer();
        if (dst == null && fb.hasArray() && fb.arrayOffset() == 0 && fb.position() == 0
                && fb.array().length == fb.remaining()) {
            return fb.array();
        }
        float[] out = dst != null && dst.length == fb.remaining() ? dst : new float[fb.remaining()];
        fb.get(out);
        return out;
    }
}
