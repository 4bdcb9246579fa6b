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
import java.util.function.Function;

/** T5 (encoder-decoder): {@code encoder} once, {@code decoder_init}, then {@code decoder} with past. */
public final class T5LanguageModel extends OnnxLanguageModel {
    static final String QUERY_EMBEDS = "query_embeds";
    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String ENCODER_HIDDEN_STATES = "encoder_hidden_states";
    static final String DECODER_INPUT_IDS = "decoder_input_ids";
    static final String ENCODER_ATTENTION_MASK = "encoder_attention_mask";
    /** The decoder's self-attention mask [rows, P + 1]; exports since continuous batching have it. */
    static final String DECODER_ATTENTION_MASK = "decoder_attention_mask";

    private final OnnxGraph encoder;
    private final OnnxGraph decoderInit;
    private final OnnxGraph decoder;
    private final long decoderStart;
    private final List<String> pastSelf;
    private final List<String> pastCross;
    private final List<String> presentSelf;
    private final List<String> presentCross;
    private final DeviceDecoding device;   // null: the host loop
    private final boolean decoderMask;     // whether the decoder graph takes decoder_attention_mask

    public T5LanguageModel(OrtSessions sessions, ModelBundle bundle) {
        super(sessions, bundle.manifest());
        BundleManifest m = bundle.manifest();
        int layers = m.kvCache().numLayers();
        this.decoderStart = m.tokens().decoderStartTokenId();
        OnnxJavaType kvType = kvType();
        this.pastSelf = KvNames.t5Self("past_key_values.", layers);
        this.pastCross = KvNames.t5Cross("past_key_values.", layers);
        this.presentSelf = KvNames.t5Self("present.", layers);
        this.presentCross = KvNames.t5Cross("present.", layers);
        OnnxGraph enc = null;
        OnnxGraph init = null;
        try {
            enc = OnnxGraph.open(sessions, bundle, encoderContract());
            init = OnnxGraph.open(sessions, bundle, decoderInitContract(layers, kvType));
            this.decoder = OnnxGraph.open(sessions, bundle, decoderContract(layers, kvType));
        } catch (RuntimeException e) {
            if (enc != null) {
                enc.close();
            }
            if (init != null) {
                init.close();
            }
            throw e;
        }
        this.encoder = enc;
        this.decoderInit = init;
        this.decoderMask = decoder.hasInput(DECODER_ATTENTION_MASK);
        this.device = DeviceDecoding.choose(sessions,
                decoderInit.isFloat32Output(LOGITS) && decoder.isFloat32Output(LOGITS)).orElse(null);
    }

    public static GraphContract encoderContract() {
        return GraphContract.builder(GraphNames.ENCODER)
                .input(QUERY_EMBEDS, OnnxJavaType.FLOAT)
                .input(INPUT_IDS, OnnxJavaType.INT64)
                .input(ATTENTION_MASK, OnnxJavaType.INT64)
                .output(ENCODER_HIDDEN_STATES, OnnxJavaType.FLOAT)
                .build();
    }

    public static GraphContract decoderInitContract(int layers, OnnxJavaType kv) {
        GraphContract.Builder b = GraphContract.builder(GraphNames.DECODER_INIT)
                .input(DECODER_INPUT_IDS, OnnxJavaType.INT64)
                .input(ENCODER_HIDDEN_STATES, OnnxJavaType.FLOAT)
                .input(ENCODER_ATTENTION_MASK, OnnxJavaType.INT64)
                .output(LOGITS, OnnxJavaType.FLOAT);
        KvNames.t5Self("present.", layers).forEach(n -> b.output(n, kv));
        KvNames.t5Cross("present.", layers).forEach(n -> b.output(n, kv));
        return b.build();
    }

    public static GraphContract decoderContract(int layers, OnnxJavaType kv) {
        GraphContract.Builder b = GraphContract.builder(GraphNames.DECODER)
                .input(DECODER_INPUT_IDS, OnnxJavaType.INT64)
                .input(ENCODER_ATTENTION_MASK, OnnxJavaType.INT64)
                .optionalInput(DECODER_ATTENTION_MASK, OnnxJavaType.INT64);
        KvNames.t5Self("past_key_values.", layers).forEach(n -> b.input(n, kv));
        KvNames.t5Cross("past_key_values.", layers).forEach(n -> b.input(n, kv));
        b.output(LOGITS, OnnxJavaType.FLOAT);
        KvNames.t5Self("present.", layers).forEach(n -> b.output(n, kv));
        return b.build();
    }

    @Override
    public LanguageModelStep start(LmBatch batch) {
        return device != null ? new BoundT5Step(this, batch, device) : new T5Step(this, batch);
    }

    @Override
    public LanguageModelStep startReference(LmBatch batch) {
        return new T5ReferenceStep(this, batch);
    }

    /**
     * Whether rows may join a running T5 batch: its decoder graph takes a self-attention mask, so
     * a newcomer's self K/V can be left-padded to the running rows' length.
     */
    boolean takesDecoderMask() {
        return decoderMask;
    }

    long decoderStart() {
        return decoderStart;
    }

    /** First decoder step state: logits, self K/V (view) and cross K/V (owns the run's result). */
    record Init(float[] logits, KvState self, KvState cross) {
    }

    /**
     * Encoder over [query embeddings ; embedded text], then the first decoder step from the decoder start token.
     *
     * @param query float[rows * Q * D]  // [rows, Q, D]
     * @param text  long[rows * S]       // [rows, S]
     * @param textMask long[rows * S]    // [rows, S]
     * @param fullMask long[rows * E]    // [rows, E = Q + S]
     */
    Init encodeAndStart(float[] query, long[] text, long[] textMask, long[] fullMask, int rows, int q, int s) {
        return encodeThen(query, text, textMask, fullMask, rows, q, s, dIn -> {
            OrtSession.Result r = decoderInit.run(dIn);
            try {
                float[] logits = logits(r);   // [rows, V]
                KvState self = KvState.fromResult(env(), r, presentSelf, kvType(), false);
                KvState cross = KvState.fromResult(env(), r, presentCross, kvType(), true);
                return new Init(logits, self, cross);
            } catch (RuntimeException e) {
                r.close();
                throw e;
            }
        });
    }

    /**
     * {@link #encodeAndStart} with the K/V left on the device and the logits written into {@code logits}.
     *
     * @param logits [rows, V] float32 host tensor
     * @return the self K/V (each [rows, H, 1, d]) then the cross K/V (each [rows, H, E, d]), on the
     *         device, owned by the caller
     */
    List<NativeValue> startOnDevice(float[] query, long[] text, long[] textMask, long[] fullMask, int rows, int q,
                                    int s, OnnxTensor logits) {
        return encodeThen(query, text, textMask, fullMask, rows, q, s, dIn -> {
            try (IoBinding b = device.bind(decoderInit)) {
                dIn.forEach((name, t) -> b.input(name, OrtHandles.value(t)));
                b.output(LOGITS, OrtHandles.value(logits));
                device.outputsOnDevice(b, presentSelf);
                device.outputsOnDevice(b, presentCross);
                return withoutLogits(b.run());
            }
        });
    }

    /** Runs the encoder, then {@code first} on decoder_init's inputs (start ids, encoder output, full mask). */
    private <T> T encodeThen(float[] query, long[] text, long[] textMask, long[] fullMask, int rows, int q, int s,
                             Function<Map<String, OnnxTensor>, T> first) {
        Map<String, OnnxTensor> in = new HashMap<>();
        try (OnnxTensor qT = Tensors.floats(env(), query, rows, q, hidden());
             OnnxTensor idsT = Tensors.longs(env(), text, rows, s);
             OnnxTensor maskT = Tensors.longs(env(), textMask, rows, s)) {
            in.put(QUERY_EMBEDS, qT);
            in.put(INPUT_IDS, idsT);
            in.put(ATTENTION_MASK, maskT);
            try (OrtSession.Result enc = encoder.run(in);
                 OnnxTensor start = Tensors.longs(env(), startIds(rows), rows, 1);
                 OnnxTensor fullT = Tensors.longs(env(), fullMask, rows, q + s)) {
                Map<String, OnnxTensor> dIn = new HashMap<>();
                dIn.put(DECODER_INPUT_IDS, start);
                dIn.put(ENCODER_HIDDEN_STATES, Tensors.output(enc, ENCODER_HIDDEN_STATES));
                dIn.put(ENCODER_ATTENTION_MASK, fullT);
                return first.apply(dIn);
            }
        }
    }

    /** A bound run's outputs less the first (the logits' wrapper; the data are in the caller's tensor). */
    private static List<NativeValue> withoutLogits(List<NativeValue> out) {
        out.getFirst().close();
        return new ArrayList<>(out.subList(1, out.size()));
    }

    private long[] startIds(int rows) {
        long[] ids = new long[rows];
        java.util.Arrays.fill(ids, decoderStart);
        return ids;
    }

    /**
     * One decoder step with past; the result holds logits [rows, V] and present self K/V.
     *
     * @param tokens   long[rows]      // [rows, 1]
     * @param fullMask long[rows * E]  // [rows, E]
     * @param selfMask long[rows * (P + 1)] or null where the graph takes none  // [rows, P + 1]
     */
    OrtSession.Result step(long[] tokens, long[] fullMask, long[] selfMask, KvState self, KvState cross, int rows,
                           Map<String, ? extends OnnxValue> pinned) {
        try (OnnxTensor ids = Tensors.longs(env(), tokens, rows, 1);
             OnnxTensor maskT = Tensors.longs(env(), fullMask, rows, fullMask.length / rows);
             OnnxTensor selfT = selfMask == null ? null : Tensors.longs(env(), selfMask, rows, selfMask.length / rows)) {
            Map<String, OnnxTensor> in = new HashMap<>();
            in.put(DECODER_INPUT_IDS, ids);
            in.put(ENCODER_ATTENTION_MASK, maskT);
            if (selfT != null) {
                in.put(DECODER_ATTENTION_MASK, selfT);
            }
            for (int i = 0; i < pastSelf.size(); i++) {
                in.put(pastSelf.get(i), self.tensors().get(i));
                in.put(pastCross.get(i), cross.tensors().get(i));
            }
            return decoder.run(in, pinned);
        }
    }

    /**
     * {@link #step} with the K/V on the device and the logits written into {@code logits}.
     *
     * @param self   {@code OrtValue*} per self K/V input, each [rows, H, P, d]
     * @param cross  {@code OrtValue*} per cross K/V input, each [rows, H, E, d]
     * @param logits [rows, V] float32 host tensor
     * @return the present self K/V, each [rows, H, P + 1, d] on the device, owned by the caller
     */
    List<NativeValue> stepOnDevice(long[] tokens, long[] fullMask, long[] selfMask, long[] self, long[] cross, int rows,
                                   OnnxTensor logits) {
        try (OnnxTensor ids = Tensors.longs(env(), tokens, rows, 1);
             OnnxTensor maskT = Tensors.longs(env(), fullMask, rows, fullMask.length / rows);
             OnnxTensor selfT = selfMask == null ? null : Tensors.longs(env(), selfMask, rows, selfMask.length / rows);
             IoBinding b = device.bind(decoder)) {
            b.input(DECODER_INPUT_IDS, OrtHandles.value(ids)).input(ENCODER_ATTENTION_MASK, OrtHandles.value(maskT));
            if (selfT != null) {
                b.input(DECODER_ATTENTION_MASK, OrtHandles.value(selfT));
            }
            for (int i = 0; i < pastSelf.size(); i++) {
                b.input(pastSelf.get(i), self[i]).input(pastCross.get(i), cross[i]);
            }
            b.output(LOGITS, OrtHandles.value(logits));
            device.outputsOnDevice(b, presentSelf);
            return withoutLogits(b.run());
        }
    }

    /** Self K/V tensors per step (2 per layer). */
    int selfKvCount() {
        return presentSelf.size();
    }

    @Override
    public String kvCacheLocation() {
        return device != null ? device.where() : "host";
    }

    @Override
    LogitsOutput logitsOutput() {
        return decoder.isFloat32Output(LOGITS) ? new LogitsOutput(env(), LOGITS, vocabSize()) : null;
    }

    @Override
    KvState present(OrtSession.Result r) {
        return KvState.fromResult(env(), r, presentSelf, kvType(), true);
    }

    @Override
    public void close() {
        kvOps().close();
        if (device != null) {
            device.close();
        }
        encoder.close();
        decoderInit.close();
        decoder.close();
    }
}
