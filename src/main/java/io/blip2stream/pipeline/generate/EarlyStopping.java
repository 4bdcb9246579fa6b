package io.blip2stream.pipeline.generate;

/**
 * Hugging Face's {@code early_stopping} for beam search: {@code True}, {@code False} or
 * {@code "never"}.
 * <ul>
 *   <li>{@link #TRUE}: a row stops as soon as it holds num_beams finished hypotheses.</li>
 *   <li>{@link #FALSE}: a row stops when the best running beam, scored at the current length,
 *       can no longer beat the worst finished hypothesis.</li>
 *   <li>{@link #NEVER}: as FALSE, but with a positive length_penalty the best running beam is
 *       scored at the maximum length (the canonical beam search bound).</li>
 * </ul>
 */
public enum EarlyStopping {
    FALSE, TRUE, NEVER;

    /** The boolean form carried by {@link GenerationOptions}. */
    public static EarlyStopping of(boolean earlyStopping) {
        return earlyStopping ? TRUE : FALSE;
    }
}
