package io.blip2stream.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.blip2stream.model.ModelBundle;

import java.util.Map;

/** One loaded graph: its session, verified against its contract at load. */
public final class OnnxGraph implements AutoCloseable {
    private final GraphContract contract;
    private final OrtSession session;

    private OnnxGraph(GraphContract contract, OrtSession session) {
        this.contract = contract;
        this.session = session;
    }

    /** Loads the bundle's graph {@code contract.graph()} and verifies it; closes the session if it does not match. */
    public static OnnxGraph open(OrtSessions sessions, ModelBundle bundle, GraphContract contract) {
        OrtSession s = sessions.open(bundle.graphPath(contract.graph()), contract.graph());
        try {
            contract.verify(s);
        } catch (RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
        return new OnnxGraph(contract, s);
    }

    public GraphContract contract() {
        return contract;
    }

    /** Runs the graph; the caller closes the result (which frees its output tensors). */
    public OrtSession.Result run(Map<String, OnnxTensor> inputs) {
        try {
            return session.run(inputs);
        } catch (OrtException e) {
            throw new OnnxRunException("graph " + contract.graph() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            throw new OnnxRunException("cannot close a session", e);
        }
    }
}
