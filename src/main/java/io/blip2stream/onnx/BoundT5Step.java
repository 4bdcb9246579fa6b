package io.blip2stream.onnx;

import io.blip2stream.onnx.capi.NativeValue;

import java.util.ArrayList;
import java.util.List;

/**
 * T5 decoding with the K/V cache left on the decoder's device ({@link DecodeLoop#DEVICE}): the
 * cross-attention K/V from {@code decoder_init} and each step's self-attention K/V stay there; per
 * step the tokens and the mask go in and the logits come out. Results equal {@link T5Step} token for token.
 */
final class BoundT5Step extends CachedStep<T5LanguageModel> {
    private final DeviceDecoding device;
    private long[] mask;               // [rows, E]
    private List<NativeValue> self;    // each [rows, H, P, d] on the device
    private List<NativeValue> cross;   // each [rows, H, E, d] on the device

    BoundT5Step(T5LanguageModel lm, LmBatch batch, DeviceDecoding device) {
        super(lm, batch);
        this.device = device;
        this.mask = batch.attentionMask().clone();
    }

    @Override
    protected boolean prefilled() {
        return cross != null;
    }

    @Override
    protected float[] start() {
        List<NativeValue> kv = lm.startOnDevice(batch.queryEmbeds(), batch.textIds(), batch.textMask(), mask, rows(),
                batch.numQuery(), batch.textLength(), logitsTensor(rows()));
        split(kv);
        return readLogits();
    }

    @Override
    protected float[] advance(long[] tokens) {
        List<NativeValue> next = lm.stepOnDevice(tokens, mask, handles(self), handles(cross), rows(),
                logitsTensor(rows()));
        DeviceDecoding.release(self);
        self = next;
        return readLogits();
    }

    @Override
    protected void gather(int[] source) {
        List<NativeValue> all = new ArrayList<>(self);
        all.addAll(cross);
        List<NativeValue> gathered = device.gather(all, rows(), source, lm.kvType());
        DeviceDecoding.release(self);
        DeviceDecoding.release(cross);
        split(gathered);
        mask = gatherRows(mask, mask.length / rows(), source);   // [rows', E]
    }

    /** Self K/V first, then cross. */
    private void split(List<NativeValue> kv) {
        int n = lm.selfKvCount();
        self = new ArrayList<>(kv.subList(0, n));
        cross = new ArrayList<>(kv.subList(n, kv.size()));
    }

    private static long[] handles(List<NativeValue> values) {
        return values.stream().mapToLong(NativeValue::handle).toArray();
    }

    @Override
    public void close() {
        closeLogits();
        List<NativeValue> s = self;
        List<NativeValue> c = cross;
        self = null;
        cross = null;
        DeviceDecoding.release(s);
        DeviceDecoding.release(c);
    }
}
