package io.blip2stream.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.blip2stream.model.BundleException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The inputs and outputs one graph must have (name and element type), checked against an ONNX
 * Runtime session at load so that a wrong or stale graph fails with a message naming the
 * difference instead of failing mid-request.
 *
 * @param graph   the graph's manifest key, for messages
 * @param inputs  required inputs, name to element type, in feeding order
 * @param outputs required outputs, name to element type
 * @param optionalInputs inputs a graph may have (newer exports), fed when present; their type is checked
 */
public record GraphContract(String graph, Map<String, OnnxJavaType> inputs, Map<String, OnnxJavaType> outputs,
                            Map<String, OnnxJavaType> optionalInputs) {

    public GraphContract {
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        outputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
        optionalInputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(optionalInputs));
    }

    public GraphContract(String graph, Map<String, OnnxJavaType> inputs, Map<String, OnnxJavaType> outputs) {
        this(graph, inputs, outputs, Map.of());
    }

    /**
     * @throws BundleException "graph decoder: missing input past_key_values.3.key; session has: [...]"
     */
    public void verify(OrtSession session) {
        try {
            List<String> problems = new ArrayList<>();
            Map<String, NodeInfo> actualInputs = session.getInputInfo();
            Map<String, OnnxJavaType> expected = new LinkedHashMap<>(inputs);
            optionalInputs.forEach((n, t) -> {
                if (actualInputs.containsKey(n)) {
                    expected.put(n, t);
                }
            });
            check("input", expected, actualInputs, problems);
            check("output", outputs, session.getOutputInfo(), problems);
            if (!problems.isEmpty()) {
                throw new BundleException("graph " + graph + ": " + String.join("; ", problems));
            }
        } catch (OrtException e) {
            throw new BundleException("graph " + graph + ": cannot read the session's inputs/outputs", e);
        }
    }

    private static void check(String kind, Map<String, OnnxJavaType> expected, Map<String, NodeInfo> actual,
                              List<String> problems) {
        for (Map.Entry<String, OnnxJavaType> e : expected.entrySet()) {
            NodeInfo info = actual.get(e.getKey());
            if (info == null) {
                problems.add("missing " + kind + " " + e.getKey() + "; session has: " + new TreeSet<>(actual.keySet()));
                continue;
            }
            if (!(info.getInfo() instanceof TensorInfo t)) {
                problems.add(kind + " " + e.getKey() + " is not a tensor");
            } else if (t.type != e.getValue()) {
                problems.add(kind + " " + e.getKey() + " has element type " + t.type + ", expected " + e.getValue());
            }
        }
        if (kind.equals("input")) {
            for (String name : actual.keySet()) {
                if (!expected.containsKey(name)) {
                    problems.add("unexpected input " + name + " (the engine would not feed it)");
                }
            }
        }
    }

    /** Builds a contract fluently. */
    public static Builder builder(String graph) {
        return new Builder(graph);
    }

    /** Fluent builder of a {@link GraphContract}. */
    public static final class Builder {
        private final String graph;
        private final Map<String, OnnxJavaType> in = new LinkedHashMap<>();
        private final Map<String, OnnxJavaType> out = new LinkedHashMap<>();
        private final Map<String, OnnxJavaType> optional = new LinkedHashMap<>();

        private Builder(String graph) {
            this.graph = graph;
        }

        public Builder input(String name, OnnxJavaType type) {
            in.put(name, type);
            return this;
        }

        /** An input that newer exports have and older ones lack; the engine feeds it where present. */
        public Builder optionalInput(String name, OnnxJavaType type) {
            optional.put(name, type);
            return this;
        }

        public Builder output(String name, OnnxJavaType type) {
            out.put(name, type);
            return this;
        }

        public GraphContract build() {
            return new GraphContract(graph, in, out, optional);
        }
    }
}
