package io.blip2stream.pipeline.generate;

import io.blip2stream.onnx.LanguageModelStep;

import java.util.ArrayList;
import java.util.List;

/**
 * The decoding loop of a static batch: Hugging Face transformers 5.12's {@code generate}
 * algorithms over a {@link LanguageModelStep}, exact to the token.
 *
 * <ul>
 *   <li>num_beams = 1: greedy ({@code torch.argmax}, first maximum) or multinomial sampling
 *       ({@link SingleBeamSearch});</li>
 *   <li>num_beams &gt; 1: beam search or beam sampling ({@link BeamSearch}).</li>
 * </ul>
 * Logits processors as HF orders them ({@link LogitsPipeline}). Each row is decoded from its
 * own context and seed only, so a batch gives every row what it would get alone. Rows that
 * finish leave the language model through {@link LanguageModelStep#reorder(int[])}. The loop is
 * {@link DecodeBatch} with every request there from the start; continuous batching lets
 * requests join it later.
 *
 * <p>Contract with the step: {@code lm} holds one row per {@link RowInput}, in the same order,
 * before {@link LanguageModelStep#prefill()}; the loop then calls prefill once, and
 * reorder/step as it needs. The caller closes {@code lm}.
 */
public final class Generator {
    private Generator() {
    }

    /**
     * Generates for every row with {@code options.earlyStopping()}.
     *
     * @return per row, num_return_sequences sequences, best first
     */
    public static List<List<GeneratedSequence>> generate(LanguageModelStep lm, List<RowInput> rows,
                                                         GenerationOptions options, GenerationConstants consts) {
        return generate(lm, rows, options, EarlyStopping.of(options.earlyStopping()), consts);
    }

    /**
     * Generates for every row, with an explicit early-stopping mode (HF's {@code "never"} has no
     * boolean form).
     *
     * @return per row, num_return_sequences sequences, best first
     * @throws RuntimeException the first row's failure, when a row fails
     */
    public static List<List<GeneratedSequence>> generate(LanguageModelStep lm, List<RowInput> rows,
                                                         GenerationOptions options, EarlyStopping earlyStopping,
                                                         GenerationConstants consts) {
        return generate(lm, rows, java.util.Collections.nCopies(rows.size(), options), earlyStopping, consts);
    }

    /**
     * Generates for every row with its own options (a micro-batch mixing greedy, sampling, beams
     * and lengths runs as one batch; rows leave as they finish).
     *
     * @param options       one per row
     * @param earlyStopping null: each row's {@code options.earlyStopping()}
     * @return per row, num_return_sequences sequences, best first
     * @throws RuntimeException the first row's failure, when a row fails
     */
    public static List<List<GeneratedSequence>> generate(LanguageModelStep lm, List<RowInput> rows,
                                                         List<GenerationOptions> options, EarlyStopping earlyStopping,
                                                         GenerationConstants consts) {
        if (rows.isEmpty()) {
            return List.of();
        }
        if (options.size() != rows.size()) {
            throw new IllegalArgumentException(options.size() + " options for " + rows.size() + " rows");
        }
        if (lm.rows() != rows.size()) {
            throw new IllegalArgumentException("the language model holds " + lm.rows() + " rows for " + rows.size() + " inputs");
        }
        DecodeBatch<Integer> batch = new DecodeBatch<>(lm, consts.vocabSize());
        DecodingKernels kernels = new DecodingKernels(consts);
        List<Integer> keys = new ArrayList<>(rows.size());
        List<RequestDecoding> decodings = new ArrayList<>(rows.size());
        for (int b = 0; b < rows.size(); b++) {
            keys.add(b);
            GenerationOptions o = options.get(b);
            decodings.add(kernels.start(rows.get(b), o, earlyStopping != null ? earlyStopping : EarlyStopping.of(o.earlyStopping())));
        }
        batch.addPrefilled(keys, decodings, lm.prefill());
        List<List<GeneratedSequence>> out = new ArrayList<>(rows.size());
        for (int b = 0; b < rows.size(); b++) {
            out.add(null);
        }
        while (batch.requests() > 0) {
            for (DecodeBatch.Finished<Integer> f : batch.step()) {
                if (f.error() != null) {
                    throw f.error();
                }
                out.set(f.key(), f.sequences());
            }
        }
        return List.copyOf(out);
    }
}
