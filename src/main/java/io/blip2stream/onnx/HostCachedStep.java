package io.blip2stream.onnx;

import ai.onnxruntime.OrtSession;

/**
 * A cached step whose K/V are the tensors of the latest run's result, as the Java API returns
 * them: in host memory, handed back as the next run's past without a copy.
 *
 * @param <M> the family's language model
 */
abstract class HostCachedStep<M extends OnnxLanguageModel> extends CachedStep<M> {

    HostCachedStep(M lm, LmBatch batch) {
        super(lm, batch);
    }

    /**
     * Hands the new past to the family, which closes the one it replaces.
     *
     * @param next {@link OnnxLanguageModel#present} of the latest run
     */
    protected abstract void replacePast(KvState next);

    /**
     * Takes a decoder run (run with {@link #pinned}): its logits, and its present K/V as the next
     * past. Closes the run's result if any of it fails; on success the new past owns it.
     *
     * @return float[rows * V], valid until the next run  // [rows, V]
     */
    protected final float[] take(OrtSession.Result r) {
        try {
            float[] out = pinnedLogits() ? readLogits() : OnnxLanguageModel.logits(r);   // [rows, V]
            replacePast(lm.present(r));
            return out;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }
}
