package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;
import io.blip2stream.model.BundleManifest;
import io.blip2stream.model.GraphNames;
import io.blip2stream.model.ModelBundle;
import io.blip2stream.onnx.capi.IoBinding;
import io.blip2stream.onnx.capi.NativeValue;
import io.blip2stream.onnx.capi.OrtHandles;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** OPT (decoder-only): {@code embed_tokens} + {@code decoder} with past. */
public final class OptLanguageModel extends OnnxLanguageModel {
    static final String INPUT_IDS = "input_ids";
    static final String INPUTS_EMBEDS = "inputs_embeds";
    static final String ATTENTION_MASK = "attention_mask";
    static final String POSITION_IDS = "position_ids";

    private final OnnxGraph embed;
    private final OnnxGraph decoder;
    private final int layers;
    private final int heads;
    private final int headDim;
    private final List<String> pastNames;
    private final List<String> presentNames;
    private final DeviceDecoding device;   // null: the host loop

    public OptLanguageModel(OrtSessions sessions, ModelBundle bundle) {
        super(sessions, bundle.manifest());
        BundleManifest m = bundle.manifest();
        this.layers = m.kvCache().numLayers();
        this.heads = m.kvCache().numHeads();
        this.headDim = m.kvCache().headDim();
        this.pastNames = KvNames.optPast(layers);
        this.presentNames = KvNames.optPresent(layers);
        this.embed = OnnxGraph.open(sessions, bundle, embedContract());
        try {
            this.decoder = OnnxGraph.open(sessions, bundle, decoderContract(layers, kvType()));
        } catch (RuntimeException e) {
            embed.close();
            throw e;
        }
        this.device = DeviceDecoding.choose(sessions, decoder.isFloat32Output(LOGITS)).orElse(null);
    }

    public static GraphContract embedContract() {
        return GraphContract.builder(GraphNames.EMBED_TOKENS)
                .input(INPUT_IDS, OnnxJavaType.INT64)
                .output(INPUTS_EMBEDS, OnnxJavaType.FLOAT)
                .build();
    }

    public static GraphContract decoderContract(int layers, OnnxJavaType kv) {
        GraphContract.Builder b = GraphContract.builder(GraphNames.DECODER)
                .input(INPUTS_EMBEDS, OnnxJavaType.FLOAT)
                .input(ATTENTION_MASK, OnnxJavaType.INT64)
                .input(POSITION_IDS, OnnxJavaType.INT64);
        KvNames.optPast(layers).forEach(n -> b.input(n, kv));
        b.output(LOGITS, OnnxJavaType.FLOAT);
        KvNames.optPresent(layers).forEach(n -> b.output(n, kv));
        return b.build();
    }

    @Override
    public LanguageModelStep start(LmBatch batch) {
        return device != null ? new BoundOptStep(this, batch, device) : new OptStep(this, batch);
    }

    @Override
    public String kvCacheLocation() {
        return device != null ? device.where() : "host";
    }

    @Override
    public LanguageModelStep startReference(LmBatch batch) {
        return new OptReferenceStep(this, batch);
    }

    /**
     * Embeds token ids.
     *
     * @param ids long[rows * len]  // [rows, len]
     * @return the run's result holding {@code inputs_embeds [rows, len, D]}; the caller closes it
     */
    OrtSession.Result embed(long[] ids, int rows, int len) {
        try (OnnxTensor t = Tensors.longs(env(), ids, rows, len)) {
            return embed.run(Map.of(INPUT_IDS, t));
        }
    }

    /** Embeds and copies out: float[rows * len * D]  // [rows, len, D] */
    float[] embedFloats(long[] ids, int rows, int len) {
        try (OrtSession.Result r = embed(ids, rows, len)) {
            return Tensors.readFloats(Tensors.output(r, INPUTS_EMBEDS), null);
        }
    }

    /** An empty past [rows, H, 0, d] for every K/V input. */
    KvState emptyPast(int rows) {
        return KvState.empty(env(), 2 * layers, rows, heads, headDim, kvType());
    }

    /**
     * One decoder run; the result holds logits [rows, V] and present K/V [rows, H, P+S, d].
     *
     * @param embeds   [rows, S, D]
     * @param mask     long[rows * (P+S)]  // [rows, P+S]
     * @param position long[rows * S]      // [rows, S]
     */
    OrtSession.Result decode(OnnxTensor embeds, long[] mask, long[] position, KvState past, int rows,
                             Map<String, ? extends OnnxValue> pinned) {
        int s = (int) embeds.getInfo().getShape()[1];
        try (OnnxTensor maskT = Tensors.longs(env(), mask, rows, mask.length / rows);
             OnnxTensor posT = Tensors.longs(env(), position, rows, s)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put(INPUTS_EMBEDS, embeds);
            in.put(ATTENTION_MASK, maskT);
            in.put(POSITION_IDS, posT);
            List<OnnxTensor> pastT = past.tensors();
            for (int i = 0; i < pastNames.size(); i++) {
                in.put(pastNames.get(i), pastT.get(i));
            }
            return decoder.run(in, pinned);
        }
    }

    /**
     * One decoder run with the K/V cache on the device: the past is bound where it lies, the logits
     * go into {@code logits} (host), the present K/V are left on the device.
     *
     * @param embeds   [rows, S, D]
     * @param mask     long[rows * (P+S)]  // [rows, P+S]
     * @param position long[rows * S]      // [rows, S]
     * @param past     {@code OrtValue*} per K/V input, each [rows, H, P, d]
     * @param logits   [rows, V] float32 host tensor
     * @return the present K/V, each [rows, H, P+S, d] on the device, owned by the caller
     */
    List<NativeValue> decodeOnDevice(OnnxTensor embeds, long[] mask, long[] position, long[] past, int rows,
                                     OnnxTensor logits) {
        int s = (int) embeds.getInfo().getShape()[1];
        try (OnnxTensor maskT = Tensors.longs(env(), mask, rows, mask.length / rows);
             OnnxTensor posT = Tensors.longs(env(), position, rows, s);
             IoBinding b = device.bind(decoder)) {
            b.input(INPUTS_EMBEDS, OrtHandles.value(embeds))
                    .input(ATTENTION_MASK, OrtHandles.value(maskT))
                    .input(POSITION_IDS, OrtHandles.value(posT));
            for (int i = 0; i < pastNames.size(); i++) {
                b.input(pastNames.get(i), past[i]);
            }
            b.output(LOGITS, OrtHandles.value(logits));
            device.outputsOnDevice(b, presentNames);
            List<NativeValue> out = b.run();
            out.getFirst().close();   // the logits' wrapper; the data are in the caller's tensor
            return new ArrayList<>(out.subList(1, out.size()));
        }
    }

    @Override
    LogitsOutput logitsOutput() {
        return decoder.isFloat32Output(LOGITS) ? new LogitsOutput(env(), LOGITS, vocabSize()) : null;
    }

    @Override
    KvState present(OrtSession.Result r) {
        return KvState.fromResult(env(), r, presentNames, kvType(), true);
    }

    /**
     * HF's position ids for a prompt: cumsum(mask) - 1, pads set to 0.
     *
     * @param mask long[rows * len]  // [rows, len]
     * @return long[rows * len]      // [rows, len]
     */
    static long[] positionIds(long[] mask, int rows, int len) {
        long[] pos = new long[rows * len];
        for (int b = 0; b < rows; b++) {
            long sum = 0;
            for (int t = 0; t < len; t++) {
                sum += mask[b * len + t];
                pos[b * len + t] = mask[b * len + t] == 0 ? 0 : sum - 1;
            }
        }
        return pos;
    }

    /**
     * The first run's inputs: the prompt's embeddings as a tensor, and the positions (which
     * {@code positions} starts from the batch's mask).
     */
    record Prefill(OnnxTensor embeds, long[] positionIds) implements AutoCloseable {
        @Override
        public void close() {
            embeds.close();
        }
    }

    /**
     * @return embeds [B, T, D] and position ids long[B * T] ([B, T]); the caller closes it
     */
    Prefill prefill(LmBatch batch, OptMask positions) {
        int rows = batch.rows();
        int t = batch.length();
        float[] embeds = promptEmbeds(batch, batch.textIds(), batch.textLength());   // [B, T, D]
        long[] pos = positions.start(batch.attentionMask(), rows, t);                 // [B, T]
        return new Prefill(Tensors.floats(env(), embeds, rows, t, hidden()), pos);
    }

    /**
     * The prompt's embeddings: the vision output at the Q image positions, the text tokens' embeddings after.
     *
     * @return float[B * T * D]  // [B, T, D]
     */
    float[] promptEmbeds(LmBatch batch, long[] textIds, int textLen) {
        int rows = batch.rows();
        int q = batch.numQuery();
        int t = q + textLen;
        int hidden = hidden();
        float[] text = embedFloats(textIds, rows, textLen);  // [B, S, D]
        float[] out = new float[rows * t * hidden];           // [B, T, D]
        for (int b = 0; b < rows; b++) {
            System.arraycopy(batch.queryEmbeds(), b * q * hidden, out, b * t * hidden, q * hidden);
            System.arraycopy(text, b * textLen * hidden, out, (b * t + q) * hidden, textLen * hidden);
        }
        return out;
    }

    @Override
    public void close() {
        kvOps().close();
        if (device != null) {
            device.close();
        }
        embed.close();
        decoder.close();
    }
}
