package io.blip2stream.onnx;

import java.util.Locale;

/** Where the graphs run ({@code blip2.device}): CUDA when asked for or available, else CPU. */
public enum Device {
    AUTO, CPU, CUDA;

    public static Device parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("blip2.device must be auto, cpu or cuda, got '" + s + "'", e);
        }
    }
}
