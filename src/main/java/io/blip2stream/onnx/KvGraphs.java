package io.blip2stream.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The serialized ONNX models that move K/V rows and columns where the cache lives, so that neither
 * loop has to copy a cache through Java: run on the decoder's execution provider with bound
 * device values ({@link DeviceDecoding}), or through the Java API on host tensors ({@link KvOps}).
 * Written here as protobuf bytes (a dozen fields of onnx.proto), so no bundle has to carry them.
 * Every tensor is [rows, H, length, d].
 * <ul>
 *   <li>{@link Kind#GATHER}: {@code out_i = Gather(kv_i, index, axis=0)}, index int64 [rows']:
 *       keep, drop, duplicate or permute rows (beams, finished rows);</li>
 *   <li>{@link Kind#JOIN}: {@code out_i = Concat(Pad(a_i, pads_a), Pad(b_i, pads_b), axis=0)},
 *       pads int64 [8] (ONNX order: the begin of each axis, then the end), zeros: newcomers' rows
 *       appended to a running cache, the shorter side padded along the length axis;</li>
 *   <li>{@link Kind#SLICE}: {@code out_i = Slice(kv_i, starts, ends, axes)}, each int64 [1]:
 *       compaction, the columns every row pads dropped.</li>
 * </ul>
 */
final class KvGraphs {
    static final String INDEX = "index";
    static final String PADS_A = "pads_a";
    static final String PADS_B = "pads_b";
    static final String STARTS = "starts";
    static final String ENDS = "ends";
    static final String AXES = "axes";

    /** onnx.TensorProto.DataType. */
    static final int FLOAT = 1;
    static final int INT64 = 7;
    static final int FLOAT16 = 10;

    enum Kind { GATHER, JOIN, SLICE }

    private KvGraphs() {
    }

    /** The i-th cache input of a gather or slice. */
    static String input(int i) {
        return "kv_" + i;
    }

    /** The i-th running-cache input of a join. */
    static String joinA(int i) {
        return "a_" + i;
    }

    /** The i-th newcomers' input of a join. */
    static String joinB(int i) {
        return "b_" + i;
    }

    static String output(int i) {
        return "out_" + i;
    }

    /** The gather model (kept for callers that only gather). */
    static byte[] bytes(int count, int elemType) {
        return bytes(Kind.GATHER, count, elemType);
    }

    /**
     * @param count    number of K/V tensors
     * @param elemType {@link #FLOAT} or {@link #FLOAT16}
     */
    static byte[] bytes(Kind kind, int count, int elemType) {
        Proto graph = new Proto();
        for (int i = 0; i < count; i++) {
            switch (kind) {
                case GATHER -> graph.message(1, node("gather_" + i, "Gather", output(i), new Proto().string(1, "axis")
                        .varint(3, 0).varint(20, 2), input(i), INDEX));
                case SLICE -> graph.message(1, node("slice_" + i, "Slice", output(i), null, input(i), STARTS, ENDS, AXES));
                case JOIN -> {
                    graph.message(1, node("pad_a_" + i, "Pad", "pa_" + i, null, joinA(i), PADS_A));
                    graph.message(1, node("pad_b_" + i, "Pad", "pb_" + i, null, joinB(i), PADS_B));
                    graph.message(1, node("concat_" + i, "Concat", output(i), new Proto().string(1, "axis")
                            .varint(3, 0).varint(20, 2), "pa_" + i, "pb_" + i));
                }
            }
        }
        graph.string(2, "kv_" + kind.name().toLowerCase(java.util.Locale.ROOT));
        for (int i = 0; i < count; i++) {
            if (kind == Kind.JOIN) {
                graph.message(11, valueInfo(joinA(i), elemType, "rows_a", "heads", "length_a", "head_dim"));
                graph.message(11, valueInfo(joinB(i), elemType, "rows_b", "heads", "length_b", "head_dim"));
            } else {
                graph.message(11, valueInfo(input(i), elemType, "rows", "heads", "length", "head_dim"));
            }
        }
        switch (kind) {
            case GATHER -> graph.message(11, valueInfo(INDEX, INT64, "picked"));
            case JOIN -> {
                graph.message(11, valueInfo(PADS_A, INT64, "8"));
                graph.message(11, valueInfo(PADS_B, INT64, "8"));
            }
            case SLICE -> {
                graph.message(11, valueInfo(STARTS, INT64, "1"));
                graph.message(11, valueInfo(ENDS, INT64, "1"));
                graph.message(11, valueInfo(AXES, INT64, "1"));
            }
        }
        for (int i = 0; i < count; i++) {
            graph.message(12, valueInfo(output(i), elemType, "rows_out", "heads", "length_out", "head_dim"));
        }
        return new Proto()
                .varint(1, 8)                                            // ir_version
                .string(2, "blip2-stream")                               // producer_name
                .message(7, graph)                                       // graph
                .message(8, new Proto().string(1, "").varint(2, 17))     // opset_import ai.onnx 17
                .toByteArray();
    }

    /** A NodeProto: inputs, one output, a name, an op type, at most one attribute. */
    private static Proto node(String name, String op, String output, Proto attribute, String... inputs) {
        Proto n = new Proto();
        for (String in : inputs) {
            n.string(1, in);
        }
        n.string(2, output).string(3, name).string(4, op);
        if (attribute != null) {
            n.message(5, attribute);
        }
        return n;
    }

    private static Proto valueInfo(String name, int elemType, String... dims) {
        Proto shape = new Proto();
        for (String d : dims) {
            shape.message(1, d.chars().allMatch(Character::isDigit)
                    ? new Proto().varint(1, Long.parseLong(d))                // Dimension.dim_value
                    : new Proto().string(2, d));                              // Dimension.dim_param
        }
        Proto tensor = new Proto().varint(1, elemType).message(2, shape); // TypeProto.Tensor
        return new Proto().string(1, name).message(2, new Proto().message(1, tensor)); // ValueInfoProto
    }

    /** Protobuf wire format: varint (type 0) and length-delimited (type 2) fields. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            writeVarint(((long) field << 3));
            writeVarint(value);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.toByteArray());
        }

        private Proto bytes(int field, byte[] value) {
            writeVarint(((long) field << 3) | 2);
            writeVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        private void writeVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
