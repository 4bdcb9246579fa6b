package io.blip2stream.model;

import java.util.Locale;

/** Language-model family of a bundle: decides the graphs, the padding side and the decoding state. */
public enum Family {
    /** Decoder-only OPT: embed_tokens + decoder with past; left padding. */
    OPT,
    /** Encoder-decoder T5: encoder, decoder_init, decoder with past; right padding. */
    T5;

    /** The manifest's spelling ("opt", "t5"); null when unknown. */
    public static Family fromManifest(String name) {
        if (name == null) {
            return null;
        }
        for (Family f : values()) {
            if (f.name().toLowerCase(Locale.ROOT).equals(name)) {
                return f;
            }
        }
        return null;
    }
}
