package io.blip2stream.model;

/** Keys of the manifest's {@code graphs} section. */
public final class GraphNames {
    public static final String VISION = "vision";
    public static final String EMBED_TOKENS = "embed_tokens";
    public static final String DECODER = "decoder";
    public static final String ENCODER = "encoder";
    public static final String DECODER_INIT = "decoder_init";

    private GraphNames() {
    }
}
