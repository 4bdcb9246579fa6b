package io.blip2stream.batching;

import java.util.Locale;

/** How the inference worker batches ({@code blip2.batching.mode}). */
public enum BatchMode {
    /** Micro-batches cut by size and time, each decoded to its end before the next starts. */
    STATIC,
    /** One running decoding batch that requests join and leave at every step. */
    CONTINUOUS;

    /** {@code static} or {@code continuous}, in any case. */
    public static BatchMode of(String key) {
        try {
            return valueOf(key.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("blip2.batching.mode must be static or continuous, got " + key);
        }
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
