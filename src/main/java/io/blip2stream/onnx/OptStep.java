package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;

import java.util.Map;

/**
 * OPT decoding with the KV cache kept in native tensors between steps: a step's {@code present}
 * outputs are fed as the next step's {@code past} without a copy. Mask and positions: {@link OptMask}.
 * Newcomers join left-padded to the running length (or the running rows are, when a newcomer is
 * longer), through {@link KvOps#join}; columns every row pads are dropped by {@link KvOps#slice}.
 */
final class OptStep extends HostCachedStep<OptLanguageModel> {
    private OptMask positions = new OptMask();
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
        KvState gathered = lm.kvOps().gather(kv, source);
        kv.close();
        kv = gathered;
        positions.gather(source);
        int common = positions.commonPadding();
        if (worthCompacting(common, positions.length())) {
            KvState kept = lm.kvOps().slice(kv, common, positions.length());
            kv.close();
            kv = kept;
            positions.dropLeading(common);
        }
    }

    @Override
    protected float[] admit(LmBatch newcomers) {
        int k = newcomers.rows();
        OptMask theirs = new OptMask();
        float[] logits;     // [k, V]
        KvState fresh;      // each [k, H, t, d]
        try (KvState empty = lm.emptyPast(k);
             OptLanguageModel.Prefill p = lm.prefill(newcomers, theirs)) {
            OrtSession.Result r = lm.decode(p.embeds(), theirs.mask(), p.positionIds(), empty, k, Map.of());
            try {
                logits = OnnxLanguageModel.logits(r);
                fresh = lm.present(r);
            } catch (RuntimeException e) {
                r.close();
                throw e;
            }
        }
        if (kv == null) {
            kv = fresh;
            positions = theirs;
            return logits;
        }
        KvState joined;
        try {
            int[] pads = positions.padsToJoin(theirs);
            joined = lm.kvOps().join(kv, fresh, KvOps.lengthPads(pads[0], 0), KvOps.lengthPads(pads[1], 0));
        } finally {
            fresh.close();
        }
        kv.close();
        kv = joined;
        positions.append(theirs);
        return logits;
    }

    @Override
    public boolean canJoin() {
        return true;
    }

    @Override
    protected void clear() {
        if (kv != null) {
            kv.close();
            kv = null;
        }
        positions = new OptMask();
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
