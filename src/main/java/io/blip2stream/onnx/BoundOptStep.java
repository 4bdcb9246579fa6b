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
 */
final class BoundOptStep extends CachedStep<OptLanguageModel> {
    private final DeviceDecoding device;
    private final OptMask positions = new OptMask();
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
    }

    @Override
    public void close() {
        closeLogits();
        List<NativeValue> k = kv;
        kv = null;
        DeviceDecoding.release(k);
    }
}
