package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;

/**
 * OPT decoding with the KV cache kept in native tensors between steps: a step's {@code present}
 * outputs are fed as the next step's {@code past} without a copy. Mask and positions: {@link OptMask}.
 */
final class OptStep extends HostCachedStep<OptLanguageModel> {
    private final OptMask positions = new OptMask();
    private KvState kv;         // each [rows, H, maskLen, d] after a run

    OptStep(OptLanguageModel lm, LmBatch batch) {
        super(lm, batch);
    }

    @Override
    protected boolean prefilled() {
        return kv != null;
    }

    @Override
    protected float[] start() {
        int rows = rows();
        try (KvState empty = lm.emptyPast(rows);
             OptLanguageModel.Prefill p = lm.prefill(batch, positions)) {
            return take(lm.decode(p.embeds(), positions.mask(), p.positionIds(), empty, rows, pinned(rows)));
        }
    }

    @Override
    protected float[] advance(long[] tokens) {
        int rows = rows();
        long[] pos = positions.grow(rows);                                              // [rows, 1]
        try (OrtSession.Result embedded = lm.embed(tokens, rows, 1)) {
            OnnxTensor e = Tensors.output(embedded, OptLanguageModel.INPUTS_EMBEDS);    // [rows, 1, D]
            OrtSession.Result r = lm.decode(e, positions.mask(), pos, kv, rows, pinned(rows));
            return take(r);
        }
    }

    @Override
    protected void replacePast(KvState next) {
        if (kv != null) {
            kv.close();
        }
        kv = next;
    }

    @Override
    protected void gather(int[] source) {
        KvState gathered = kv.gather(source);
        kv.close();
        kv = gathered;
        positions.gather(source);
    }

    @Override
    public void close() {
        closeLogits();
        if (kv != null) {
            kv.close();
            kv = null;
        }
    }
}
