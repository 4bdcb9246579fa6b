package io.blip2stream.pipeline.generate;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes {@link RequestDecoding}s: one search object per distinct set of options (without the
 * seed), whose logits processors and scratch buffers the requests with those options share. A
 * search object is used by one thread at a time, the one driving its {@link DecodeBatch}.
 * Holds at most {@value #MAX_KERNELS} of them; the least recently used goes first.
 */
public final class DecodingKernels {
    static final int MAX_KERNELS = 32;

    private final GenerationConstants consts;
    private final Map<Key, Object> kernels = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Object> eldest) {
            return size() > MAX_KERNELS;
        }
    };

    private record Key(GenerationOptions options, EarlyStopping earlyStopping) {
    }

    public DecodingKernels(GenerationConstants consts) {
        this.consts = consts;
    }

    public GenerationConstants constants() {
        return consts;
    }

    /** A request's decoding with {@code options.earlyStopping()}. */
    public RequestDecoding start(RowInput row, GenerationOptions options) {
        return start(row, options, EarlyStopping.of(options.earlyStopping()));
    }

    /**
     * A request's decoding: greedy or sampling with one beam, beam search (or beam sampling) with more.
     *
     * @throws Blip2Exception INVALID_REQUEST when its context ids fall outside the vocabulary, or beam
     *                        search is asked for more sequences than beams
     */
    public RequestDecoding start(RowInput row, GenerationOptions options, EarlyStopping earlyStopping) {
        for (int id : row.contextIds()) {
            if (id < 0 || id >= consts.vocabSize()) {
                throw new IllegalArgumentException("context id " + id + " is outside the vocabulary of " + consts.vocabSize());
            }
        }
        Key key = new Key(options.batchKey(), earlyStopping);
        if (options.numBeams() > 1) {
            if (options.numReturnSequences() > options.numBeams()) { // beam sampling: GenerationOptions allows more
                throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "num_return_sequences with beam search",
                        options.numReturnSequences(), options.numBeams());
            }
            BeamSearch search = (BeamSearch) kernels.computeIfAbsent(key, k -> new BeamSearch(k.options(), earlyStopping, consts));
            return search.request(row);
        }
        SingleBeamSearch search = (SingleBeamSearch) kernels.computeIfAbsent(key, k -> new SingleBeamSearch(k.options(), consts));
        return search.request(row);
    }
}
