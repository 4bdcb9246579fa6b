package io.blip2stream.onnx.capi;

import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtSession;

import java.lang.reflect.Field;

/**
 * The native handles behind the Java API's objects ({@code OrtSession*}, {@code OrtValue*}), which
 * that API keeps in private fields. The fields are looked up once; a missing one makes
 * {@link #check()} fail, and the caller then stays on the Java API.
 */
public final class OrtHandles {
    private static final Field SESSION = field(OrtSession.class, "nativeHandle");
    private static final Field VALUE = field(OnnxTensorLike.class, "nativeHandle");

    private OrtHandles() {
    }

    /** Throws where the handles cannot be read in this version of the Java API. */
    public static void check() {
        if (SESSION == null || VALUE == null) {
            throw new IllegalStateException("ONNX Runtime's Java API keeps no readable nativeHandle field");
        }
    }

    public static long session(OrtSession s) {
        return read(SESSION, s);
    }

    public static long value(OnnxTensorLike t) {
        return read(VALUE, t);
    }

    private static long read(Field f, Object o) {
        check();
        try {
            return f.getLong(o);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + f, e);
        }
    }

    private static Field field(Class<?> c, String name) {
        try {
            Field f = c.getDeclaredField(name);
            f.setAccessible(true);
            return f.getType() == long.class ? f : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
