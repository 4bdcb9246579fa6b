package io.blip2stream.pipeline.generate;

import io.blip2stream.onnx.LanguageModelStep;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.util.List;

/**
 * The decoding loop: Hugging Face transformers 5.12's {@code generate} algorithms over a
 * {@link LanguageModelStep}, exact to the token.
 *
 * <ul>
 *   <li>num_beams = 1: greedy ({@code torch.argmax}, first maximum) or multinomial sampling
 *       ({@link SingleBeamSearch});</li>
 *   <li>num_beams &gt; 1: beam search or beam sampling ({@link BeamSearch}).</li>
 * </ul>
 * Logits processors as HF orders them ({@link LogitsPipeline}). Each row is decoded from its
 * own context and seed only, so a batch gives every row what it would get alone. Rows that
 * finish leave the language model through {@link LanguageModelStep#reorder(int[])}.
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
     */
    public static List<List<GeneratedSequence>> generate(LanguageModelStep lm, List<RowInput> rows,
                                                         GenerationOptions options, EarlyStopping earlyStopping,
                                                         GenerationConstants consts) {
        if (rows.isEmpty()) {
            return List.of();
        }
        if (lm.rows() != rows.size()) {
            throw new IllegalArgumentException("the language model holds " + lm.rows() + " rows for " + rows.size() + " inputs");
        }
        if (lm.vocabSize() != consts.vocabSize()) {
            throw new IllegalArgumentException("logits are " + lm.vocabSize() + " wide, the vocabulary is " + consts.vocabSize());
        }
        for (RowInput row : rows) {
            for (int id : row.contextIds()) {
                if (id < 0 || id >= consts.vocabSize()) {
                    throw new IllegalArgumentException("context id " + id + " is outside the vocabulary of " + consts.vocabSize());
                }
            }
        }
        if (options.numBeams() > 1) {
            if (options.numReturnSequences() > options.numBeams()) { // beam sampling: GenerationOptions allows more
                throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "num_return_sequences with beam search",
                        options.numReturnSequences(), options.numBeams());
            }
            return new BeamSearch(options, earlyStopping, consts).run(lm, rows);
        }
        return new SingleBeamSearch(options, consts).run(lm, rows);
    }
}
