package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import io.blip2stream.onnx.capi.NativeValue;

import java.util.ArrayList;
import java.util.List;

/**
 * T5 decoding with the K/V cache left on the decoder's device ({@link DecodeLoop#DEVICE}): the
 * cross-attention K/V from {@code decoder_init} and each step's self-attention K/V stay there; per
 * step the tokens and the masks go in and the logits come out. Newcomers join and the cache is
 * compacted on the device ({@link DeviceDecoding#join}, {@link DeviceDecoding#slice}), as
 * {@link T5Step} does on the host. Results equal {@link T5Step} token for token.
 */
final class BoundT5Step extends CachedStep<T5LanguageModel> {
    private final DeviceDecoding device;
    private T5Masks masks;
    private List<NativeValue> self;    // each [rows, H, P, d] on the device
    private List<NativeValue> cross;   // each [rows, H, E, d] on the device

    BoundT5Step(T5LanguageModel lm, LmBatch batch, DeviceDecoding device) {
        super(lm, batch);
        this.device = device;
    }

    @Override
    protected boolean prefilled() {
        return cross != null;
    }

    @Override
    protected float[] start() {
        List<NativeValue> kv = encode(batch, logitsTensor(rows()));
        masks = new T5Masks(batch.attentionMask(), rows(), lm.takesDecoderMask());
        split(kv);
        return readLogits();
    }

    private List<NativeValue> encode(LmBatch b, OnnxTensor logits) {
        return lm.startOnDevice(b.queryEmbeds(), b.textIds(), b.textMask(), b.attentionMask(), b.rows(),
                b.numQuery(), b.textLength(), logits);
    }

    @Override
    protected float[] advance(long[] tokens) {
        List<NativeValue> next = lm.stepOnDevice(tokens, masks.encoder(), masks.grow(), handles(self), handles(cross),
                rows(), logitsTensor(rows()));
        DeviceDecoding.release(self);
        self = next;
        return readLogits();
    }

    @Override
    public boolean canJoin() {
        return lm.takesDecoderMask();
    }

    @Override
    protected float[] admit(LmBatch newcomers) {
        int k = newcomers.rows();
        float[] logits;
        List<NativeValue> kv;
        try (OnnxTensor out = Tensors.direct(lm.env(), Tensors.allocateDirect((long) k * lm.vocabSize() * Float.BYTES),
                OnnxJavaType.FLOAT, k, lm.vocabSize())) {
            kv = encode(newcomers, out);
            logits = Tensors.readFloats(out, null);
        }
        T5Masks theirs = new T5Masks(newcomers.attentionMask(), k, lm.takesDecoderMask());
        int n = lm.selfKvCount();
        List<NativeValue> theirSelf = kv.subList(0, n);
        List<NativeValue> theirCross = kv.subList(n, kv.size());
        if (cross == null) {
            masks = theirs;
            split(kv);
            return logits;
        }
        List<NativeValue> s = null;
        List<NativeValue> c;
        try {
            int[] pads = masks.padsToJoin(theirs);
            s = device.join(self, theirSelf, KvOps.lengthPads(pads[0], 0), KvOps.lengthPads(pads[1], 0), lm.kvType());
            c = device.join(cross, theirCross, KvOps.lengthPads(0, pads[2]), KvOps.lengthPads(0, pads[3]), lm.kvType());
        } catch (RuntimeException e) {
            DeviceDecoding.release(s);
            throw e;
        } finally {
            DeviceDecoding.release(kv);
        }
        DeviceDecoding.release(self);
        DeviceDecoding.release(cross);
        self = s;
        cross = c;
        masks.append(theirs);
        return logits;
    }

    @Override
    protected void gather(int[] source) {
        List<NativeValue> all = new ArrayList<>(self);
        all.addAll(cross);
        List<NativeValue> gathered = device.gather(all, rows(), source, lm.kvType());
        DeviceDecoding.release(self);
        DeviceDecoding.release(cross);
        split(gathered);
        masks.gather(source);
        int lead = masks.commonSelfPadding();
        if (worthCompacting(lead, masks.selfLength())) {
            List<NativeValue> kept = device.slice(self, lead, masks.selfLength(), lm.kvType());
            DeviceDecoding.release(self);
            self = kept;
            masks.dropSelfLeading(lead);
        }
        int trail = masks.commonEncoderPadding();
        if (worthCompacting(trail, masks.encoderLength())) {
            List<NativeValue> kept = device.slice(cross, 0, masks.encoderLength() - trail, lm.kvType());
            DeviceDecoding.release(cross);
            cross = kept;
            masks.dropEncoderTrailing(trail);
        }
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
    protected void clear() {
        List<NativeValue> s = self;
        List<NativeValue> c = cross;
        self = null;
        cross = null;
        masks = null;
        DeviceDecoding.release(s);
        DeviceDecoding.release(c);
    }

    @Override
    public void close() {
        closeLogits();
        clear();
    }
}
