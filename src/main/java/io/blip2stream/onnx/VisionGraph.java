package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import io.blip2stream.model.GraphNames;
import io.blip2stream.model.ModelBundle;

import java.util.Map;

/** Vision encoder + Q-Former + projection: {@code pixel_values [B,3,h,w]} to {@code query_embeds [B,Q,D]}. */
public final class VisionGraph implements AutoCloseable {
    public static final String PIXEL_VALUES = "pixel_values";
    public static final String QUERY_EMBEDS = "query_embeds";

    private final OrtSessions sessions;
    private final OnnxGraph graph;
    private final int height;
    private final int width;
    private final int numQuery;
    private final int hidden;

    public VisionGraph(OrtSessions sessions, ModelBundle bundle) {
        this.sessions = sessions;
        this.graph = OnnxGraph.open(sessions, bundle, contract());
        this.height = bundle.manifest().image().height();
        this.width = bundle.manifest().image().width();
        this.numQuery = bundle.manifest().dims().numQueryTokens();
        this.hidden = bundle.manifest().dims().lmHiddenSize();
    }

    public static GraphContract contract() {
        return GraphContract.builder(GraphNames.VISION)
                .input(PIXEL_VALUES, OnnxJavaType.FLOAT)
                .output(QUERY_EMBEDS, OnnxJavaType.FLOAT)
                .build();
    }

    /** Floats per image in the output: Q * D. */
    public int embedsPerImage() {
        return numQuery * hidden;
    }

    /** Floats per image in the input: 3 * h * w. */
    public int pixelsPerImage() {
        return 3 * height * width;
    }

    /**
     * @param pixels float[batch * 3 * h * w], CHW per image  // [B, 3, h, w]
     * @return float[batch * Q * D]                             // [B, Q, D]
     */
    public float[] run(float[] pixels, int batch) {
        try (OnnxTensor in = Tensors.floats(sessions.environment(), pixels, batch, 3, height, width);
             OrtSession.Result r = graph.run(Map.of(PIXEL_VALUES, in))) {
            float[] out = Tensors.readFloats(Tensors.output(r, QUERY_EMBEDS), null); // [B, Q, D]
            if (out.length != (long) batch * embedsPerImage()) {
                throw new OnnxRunException("graph vision returned " + out.length + " floats, expected "
                        + (long) batch * embedsPerImage(), null);
            }
            return out;
        }
    }

    @Override
    public void close() {
        graph.close();
    }
}
