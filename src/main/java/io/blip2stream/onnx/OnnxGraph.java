package io.blip2stream.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.blip2stream.model.ModelBundle;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import ai.onnxruntime.TensorInfo;

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

    /**
     * Runs the graph with the {@code pinned} outputs written into the caller's tensors (which stay
     * the caller's); the result holds the other outputs, and the caller closes it.
     */
    public OrtSession.Result run(Map<String, OnnxTensor> inputs, Map<String, ? extends OnnxValue> pinned) {
        if (pinned.isEmpty()) {
            return run(inputs);
        }
        Set<String> requested = new LinkedHashSet<>(session.getOutputNames());
        requested.removeAll(pinned.keySet());
        try {
            return session.run(inputs, requested, pinned);
        } catch (OrtException e) {
            throw new OnnxRunException("graph " + contract.graph() + " failed: " + e.getMessage(), e);
        }
    }

    /** The session's {@code OrtSession*}, for runs bound through the C API ({@link DeviceDecoding}). */
    long nativeSession() {
        return io.blip2stream.onnx.capi.OrtHandles.session(session);
    }

    /** Whether the graph has input {@code name} (an optional input of its contract). */
    public boolean hasInput(String name) {
        try {
            return session.getInputInfo().containsKey(name);
        } catch (OrtException e) {
            throw new OnnxRunException("cannot read the inputs of graph " + contract.graph(), e);
        }
    }

    /** Whether output {@code name} is a float32 tensor. */
    public boolean isFloat32Output(String name) {
        try {
            return session.getOutputInfo().get(name) != null
                    && session.getOutputInfo().get(name).getInfo() instanceof TensorInfo t
                    && t.type == OnnxJavaType.FLOAT;
        } catch (OrtException e) {
            throw new OnnxRunException("cannot read the outputs of graph " + contract.graph(), e);
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
