package io.blip2stream.pipeline.generate;

/** Why a sequence stopped: it produced an eos token, or it reached max_new_tokens. */
public enum FinishReason {
    EOS, LENGTH;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
