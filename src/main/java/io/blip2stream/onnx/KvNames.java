package io.blip2stream.onnx;

import java.util.ArrayList;
import java.util.List;

/** Names of the KV-cache inputs and outputs, layer by layer, key before value. */
public final class KvNames {
    private KvNames() {
    }

    /** OPT: past_key_values.{i}.key/.value. */
    public static List<String> optPast(int layers) {
        return names("past_key_values.", "", layers);
    }

    /** OPT: present.{i}.key/.value. */
    public static List<String> optPresent(int layers) {
        return names("present.", "", layers);
    }

    /** T5 self-attention: {prefix}.{i}.decoder.key/.value. */
    public static List<String> t5Self(String prefix, int layers) {
        return names(prefix, ".decoder", layers);
    }

    /** T5 cross-attention: {prefix}.{i}.encoder.key/.value. */
    public static List<String> t5Cross(String prefix, int layers) {
        return names(prefix, ".encoder", layers);
    }

    private static List<String> names(String prefix, String infix, int layers) {
        List<String> out = new ArrayList<>(2 * layers);
        for (int i = 0; i < layers; i++) {
            out.add(prefix + i + infix + ".key");
            out.add(prefix + i + infix + ".value");
        }
        return List.copyOf(out);
    }
}
