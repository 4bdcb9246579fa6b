package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.blip2stream.model.BundleManifest;

/**
 * What the ONNX language models share: the sessions' environment and the manifest's dimensions
 * (vocabulary, hidden size, K/V element type). The graphs, their inputs and the steps are the family's.
 */
abstract class OnnxLanguageModel implements LanguageModel {
    static final String LOGITS = "logits";

    private final OrtSessions sessions;
    private final int vocab;
    private final int hidden;
    private final OnnxJavaType kvType;
    private final KvOps kvOps;

    OnnxLanguageModel(OrtSessions sessions, BundleManifest m) {
        this.sessions = sessions;
        this.vocab = m.dims().vocabSize();
        this.hidden = m.dims().lmHiddenSize();
        this.kvType = kvType(m.kvCache().dtype());
        this.kvOps = new KvOps(sessions);
    }

    /** The host loop's cache moves (join, slice), made on first use. */
    KvOps kvOps() {
        return kvOps;
    }

    /** An empty running batch: rows come with {@link LanguageModelStep#join}. */
    @Override
    public LanguageModelStep open() {
        return start(null);
    }

    /** The ONNX element type of the K/V tensors for a manifest {@code dtype}. */
    static OnnxJavaType kvType(String dtype) {
        return "float16".equals(dtype) ? OnnxJavaType.FLOAT16 : OnnxJavaType.FLOAT;
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    OrtEnvironment env() {
        return sessions.environment();
    }

    /** The language model's hidden size D. */
    int hidden() {
        return hidden;
    }

    /**
     * The K/V a decoder run hands to the next step as its past; owns the run's result.
     * For OPT all of {@code present}; for T5 the self-attention half only (the cross K/V stay as they are).
     */
    abstract KvState present(OrtSession.Result r);

    /**
     * A decoder run's logits, copied out.
     *
     * @return float[rows * V]  // [rows, V]
     */
    static float[] logits(OrtSession.Result r) {
        return Tensors.readFloats(Tensors.output(r, LOGITS), null);
    }

    /**
     * Where a decoding loop over the cached decoder puts its logits: a {@link LogitsOutput} when
     * the decoder's logits are float32, else null (they are read from each run's result).
     */
    abstract LogitsOutput logitsOutput();

    /** The element type of every K/V tensor. */
    OnnxJavaType kvType() {
        return kvType;
    }
}
