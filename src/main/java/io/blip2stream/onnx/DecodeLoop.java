package io.blip2stream.onnx;

import java.util.Locale;

/**
 * Where the decoding loop keeps the K/V cache ({@code blip2.decode-loop}).
 * <ul>
 *   <li>{@code host}: in the tensors the Java API returns, i.e. host memory. On a GPU this copies
 *       the whole cache over PCIe twice per step.</li>
 *   <li>{@code device}: on the execution provider's device, through IoBinding in ONNX Runtime's C
 *       API (called with Java's FFM API): only the new token's embedding goes in and the logits
 *       come out per step.</li>
 *   <li>{@code auto}: {@code device} when the decoder runs on CUDA, {@code host} on CPU (where
 *       both keep the cache in the same memory).</li>
 * </ul>
 */
public enum DecodeLoop {
    AUTO, HOST, DEVICE;

    public static DecodeLoop parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("blip2.decode-loop must be auto, host or device, got '" + s + "'", e);
        }
    }
}
