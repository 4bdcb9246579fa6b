package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.blip2stream.onnx.capi.NativeValue;
import io.blip2stream.onnx.capi.OrtHandles;

import java.util.List;

/**
 * OPT decoding with the K/V cache left on the decoder's device between steps ({@link DecodeLoop#DEVICE}):
 * per step only the new tokens' embeddings, the mask and the positions go in, and only the logits
 * come out to host memory. Rows are reordered or dropped on the device ({@link DeviceDecoding#gather}).
 * Mask and positions: {@link OptMask}, as in {@link OptStep}; results equal it token for token.
 * Newcomers join and the cache is compacted on the device too ({@link DeviceDecoding#join},
 * {@link DeviceDecoding#slice}).
 */
final class BoundOptStep extends CachedStep<OptLanguageModel> {
    private final DeviceDecoding device;
    private OptMask positions = new OptMask();
    private List<NativeValue> kv;   // each [rows, H, maskLen, d] on the device after a run

    BoundOptStep(OptLanguageModel lm, LmBatch batch, DeviceDecoding device) {
        super(lm, batch);
        this.device = device;
    }

    @Override
    protected boolean prefilled() {
        return kv != null;
    }

    @Override
    protected float[] start() {
        int rows = rows();
        try (KvState empty = lm.emptyPast(rows);                                         // each [B, H, 0, d], host
             OptLanguageModel.Prefill p = lm.prefill(batch, positions)) {
            long[] past = empty.tensors().stream().mapToLong(OrtHandles::value).toArray();
            kv = lm.decodeOnDevice(p.embeds(), positions.mask(), p.positionIds(), past, rows, logitsTensor(rows));
            return readLogits();
        }
    }

    @Override
    protected float[] advance(long[] tokens) {
        int rows = rows();
        long[] pos = positions.grow(rows);                                              // [rows, 1]
        try (OrtSession.Result embedded = lm.embed(tokens, rows, 1)) {
            OnnxTensor e = Tensors.output(embedded, OptLanguageModel.INPUTS_EMBEDS);    // [rows, 1, D]
            long[] past = kv.stream().mapToLong(NativeValue::handle).toArray();
            List<NativeValue> next = lm.decodeOnDevice(e, positions.mask(), pos, past, rows, logitsTensor(rows));
            DeviceDecoding.release(kv);
            kv = next;
            return readLogits();
        }
    }

    @Override
    protected void gather(int[] source) {
        List<NativeValue> gathered = device.gather(kv, rows(), source, lm.kvType());
        DeviceDecoding.release(kv);
        kv = gathered;
        positions.gather(source);
        int common = positions.commonPadding();
        if (worthCompacting(common, positions.length())) {
            List<NativeValue> kept = device.slice(kv, common, positions.length(), lm.kvType());
            DeviceDecoding.release(kv);
            kv = kept;
            positions.dropLeading(common);
        }
    }

    @Override
    protected float[] admit(LmBatch newcomers) {
        int k = newcomers.rows();
        OptMask theirs = new OptMask();
        float[] logits;             // [k, V]
        List<NativeValue> fresh;    // each [k, H, t, d] on the device
        try (KvState empty = lm.emptyPast(k);                                         // each [k, H, 0, d], host
             OptLanguageModel.Prefill p = lm.prefill(newcomers, theirs);
             OnnxTensor out = Tensors.direct(lm.env(), Tensors.allocateDirect((long) k * lm.vocabSize() * Float.BYTES),
                     ai.onnxruntime.OnnxJavaType.FLOAT, k, lm.vocabSize())) {
            long[] past = empty.tensors().stream().mapToLong(OrtHandles::value).toArray();
            fresh = lm.decodeOnDevice(p.embeds(), theirs.mask(), p.positionIds(), past, k, out);
            logits = Tensors.readFloats(out, null);
        }
        if (kv == null) {
            kv = fresh;
            positions = theirs;
            return logits;
        }
        List<NativeValue> joined;
        try {
            int[] pads = positions.padsToJoin(theirs);
            joined = device.join(kv, fresh, KvOps.lengthPads(pads[0], 0), KvOps.lengthPads(pads[1], 0), lm.kvType());
        } finally {
            DeviceDecoding.release(fresh);
        }
        DeviceDecoding.release(kv);
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
        List<NativeValue> k = kv;
        kv = null;
        positions = new OptMask();
        DeviceDecoding.release(k);
    }

    @Override
    public void close() {
        closeLogits();
        List<NativeValue> k = kv;
        kv = null;
        DeviceDecoding.release(k);
    }
}
