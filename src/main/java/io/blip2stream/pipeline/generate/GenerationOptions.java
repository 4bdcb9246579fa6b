package io.blip2stream.pipeline.generate;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.model.BundleManifest;

/**
 * Generation settings of one request, HF names and semantics. Validated here, at the edge:
 * an out-of-range value is an {@link ErrorCode#INVALID_REQUEST} carrying the broken limit.
 *
 * <p>Made in one way on every path (the wire, {@code infer}, {@code bench}, the bundle's own
 * defaults): {@link #merge} of defaults and {@link GenerationOverrides}. Code that wants given
 * values over Hugging Face's defaults names them: {@code GenerationOptions.of(GenerationOverrides
 * .builder().numBeams(3).build())}.
 *
 * @param seed sampling seed; null = derived from the request id (still reproducible)
 */
public record GenerationOptions(
        int maxNewTokens,
        int minNewTokens,
        int numBeams,
        double lengthPenalty,
        boolean earlyStopping,
        boolean doSample,
        double temperature,
        int topK,
        double topP,
        double repetitionPenalty,
        int noRepeatNgramSize,
        int numReturnSequences,
        Long seed) {

    /** Hard ceilings, whatever the configuration says. */
    public static final int MAX_NEW_TOKENS_LIMIT = 512;
    public static final int MAX_BEAMS_LIMIT = 16;
    /**
     * Float ranges within which the engine's fp32 arithmetic stays finite (logits divided by the
     * temperature, scores multiplied or divided by the repetition penalty, the length raised to
     * the length penalty); outside them sampling or beam scores turn into infinities and NaN.
     */
    public static final double MIN_TEMPERATURE = 1e-3;
    public static final double MAX_TEMPERATURE = 1e4;
    public static final double MIN_REPETITION_PENALTY = 1e-3;
    public static final double MAX_REPETITION_PENALTY = 1e3;
    public static final double MAX_ABS_LENGTH_PENALTY = 10;

    public GenerationOptions {
        range("max_new_tokens", maxNewTokens, 1, MAX_NEW_TOKENS_LIMIT);
        range("min_new_tokens", minNewTokens, 0, maxNewTokens);
        range("num_beams", numBeams, 1, MAX_BEAMS_LIMIT);
        range("num_return_sequences", numReturnSequences, 1, doSample ? MAX_BEAMS_LIMIT : numBeams);
        range("temperature", temperature, MIN_TEMPERATURE, MAX_TEMPERATURE);
        range("top_k", topK, 0, Integer.MAX_VALUE);
        if (!(topP > 0 && topP <= 1)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "top_p must be in (0, 1], got " + topP);
        }
        range("repetition_penalty", repetitionPenalty, MIN_REPETITION_PENALTY, MAX_REPETITION_PENALTY);
        range("no_repeat_ngram_size", noRepeatNgramSize, 0, Integer.MAX_VALUE);
        range("length_penalty", lengthPenalty, -MAX_ABS_LENGTH_PENALTY, MAX_ABS_LENGTH_PENALTY);
    }

    /** A float option must lie in [min, max] (NaN never does). */
    private static void range(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST,
                    name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /** Hugging Face's {@code GenerationConfig} defaults: greedy, 20 new tokens. */
    public static final GenerationOptions HF_DEFAULTS = greedy(20);

    /**
     * The one merge: {@code defaults ⊕ o}, each field {@code o} leaves unset from {@code defaults}.
     * An unset {@code min_new_tokens} is kept within {@code max_new_tokens}, and an unset
     * {@code num_return_sequences} within {@code num_beams} (without sampling), so that a default
     * never makes a valid request invalid; a value set explicitly is taken as it is. Validates every
     * value ({@link ErrorCode#INVALID_REQUEST}, with the broken limit).
     *
     * @param defaults          the bundle's defaults ({@link #fromBundle}), or HF's
     * @param o                 the overrides (a request's options, infer's flags, bench's settings)
     * @param maxNewTokensLimit the ceiling on {@code max_new_tokens} (the service's
     *                          {@code blip2.limits.max-new-tokens}, or {@link #MAX_NEW_TOKENS_LIMIT})
     */
    public static GenerationOptions merge(GenerationOptions defaults, GenerationOverrides o, int maxNewTokensLimit) {
        int maxNew = or(o.maxNewTokens(), defaults.maxNewTokens());
        if (maxNew > maxNewTokensLimit) {
            throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "max_new_tokens", maxNew, maxNewTokensLimit);
        }
        return new GenerationOptions(
                maxNew,
                or(o.minNewTokens(), Math.min(defaults.minNewTokens(), maxNew)),
                or(o.numBeams(), defaults.numBeams()),
                or(o.lengthPenalty(), defaults.lengthPenalty()),
                or(o.earlyStopping(), defaults.earlyStopping()),
                or(o.doSample(), defaults.doSample()),
                or(o.temperature(), defaults.temperature()),
                or(o.topK(), defaults.topK()),
                or(o.topP(), defaults.topP()),
                or(o.repetitionPenalty(), defaults.repetitionPenalty()),
                or(o.noRepeatNgramSize(), defaults.noRepeatNgramSize()),
                or(o.numReturnSequences(), numReturnSequencesDefault(defaults, o)),
                o.seed() != null ? o.seed() : defaults.seed());
    }

    /** The default count of returned sequences, kept within the requested beam count. */
    private static int numReturnSequencesDefault(GenerationOptions defaults, GenerationOverrides o) {
        int beams = or(o.numBeams(), defaults.numBeams());
        boolean sample = or(o.doSample(), defaults.doSample());
        return sample ? defaults.numReturnSequences() : Math.min(defaults.numReturnSequences(), beams);
    }

    /** HF's defaults with the values {@code o} sets (limit {@link #MAX_NEW_TOKENS_LIMIT}). */
    public static GenerationOptions of(GenerationOverrides o) {
        return merge(HF_DEFAULTS, o, MAX_NEW_TOKENS_LIMIT);
    }

    /**
     * A bundle's defaults: its manifest's {@code generation} section over HF's defaults (absent
     * section or field: HF's value). {@code early_stopping} other than {@code true} (HF also allows
     * {@code "never"}) is false.
     */
    public static GenerationOptions fromBundle(BundleManifest.Generation g) {
        if (g == null) {
            return HF_DEFAULTS;
        }
        return of(GenerationOverrides.builder()
                .maxNewTokens(g.maxNewTokens()).minNewTokens(g.minNewTokens()).numBeams(g.numBeams())
                .lengthPenalty(g.lengthPenalty())
                .earlyStopping(g.earlyStopping() == null ? null : Boolean.TRUE.equals(g.earlyStopping()))
                .doSample(g.doSample()).temperature(g.temperature()).topK(g.topK()).topP(g.topP())
                .repetitionPenalty(g.repetitionPenalty()).noRepeatNgramSize(g.noRepeatNgramSize())
                .numReturnSequences(g.numReturnSequences())
                .build());
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** "num_beams 0 is below the minimum 1", "num_beams 20 is above the maximum 16": the broken bound as the limit. */
    private static void range(String name, long value, long min, long max) {
        if (value < min) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, name + " " + value + " is below the minimum " + min, min, null);
        }
        if (value > max) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, name + " " + value + " is above the maximum " + max, max, null);
        }
    }

    /** HF's defaults with nothing set: greedy, 20 new tokens. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 1, 1.0, false, false, 1.0, 50, 1.0, 1.0, 0, 1, null);
    }

    /** Options that may share one language-model run: everything but the seed. */
    public GenerationOptions batchKey() {
        return withSeed(null);
    }

    public GenerationOptions withSeed(Long newSeed) {
        return new GenerationOptions(maxNewTokens, minNewTokens, numBeams, lengthPenalty, earlyStopping, doSample,
                temperature, topK, topP, repetitionPenalty, noRepeatNgramSize, numReturnSequences, newSeed);
    }
}
