package io.blip2stream.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The serialized ONNX model that picks rows of K/V tensors where they live: inputs {@code kv_0} …
 * {@code kv_{n-1}} (each [rows, H, P, d]) and {@code index} (int64 [rows']), outputs {@code out_i =
 * Gather(kv_i, index, axis=0)} (each [rows', H, P, d]). Run on the decoder's execution provider
 * with bound device values, it reorders a beam search's cache or drops finished rows without the
 * cache leaving the GPU. Written here as protobuf bytes (a dozen fields of onnx.proto), so no
 * bundle has to carry it.
 */
final class GatherModel {
    static final String INDEX = "index";

    /** onnx.TensorProto.DataType. */
    static final int FLOAT = 1;
    static final int INT64 = 7;
    static final int FLOAT16 = 10;

    private GatherModel() {
    }

    static String input(int i) {
        return "kv_" + i;
    }

    static String output(int i) {
        return "out_" + i;
    }

    /**
     * @param count    number of K/V tensors
     * @param elemType {@link #FLOAT} or {@link #FLOAT16}
     */
    static byte[] bytes(int count, int elemType) {
        Proto graph = new Proto();
        for (int i = 0; i < count; i++) {
            Proto attr = new Proto().string(1, "axis").varint(3, 0).varint(20, 2);   // AttributeProto INT
            graph.message(1, new Proto().string(1, input(i)).string(1, INDEX).string(2, output(i))
                    .string(3, "gather_" + i).string(4, "Gather").message(5, attr));   // NodeProto
        }
        graph.string(2, "kv_gather");
        for (int i = 0; i < count; i++) {
            graph.message(11, valueInfo(input(i), elemType, "rows", "heads", "length", "head_dim"));
        }
        graph.message(11, valueInfo(INDEX, INT64, "picked"));
        for (int i = 0; i < count; i++) {
            graph.message(12, valueInfo(output(i), elemType, "picked", "heads", "length", "head_dim"));
        }
        return new Proto()
                .varint(1, 8)                                            // ir_version
                .string(2, "blip2-stream")                               // producer_name
                .message(7, graph)                                       // graph
                .message(8, new Proto().string(1, "").varint(2, 17))     // opset_import ai.onnx 17
                .toByteArray();
    }

    private static Proto valueInfo(String name, int elemType, String... dims) {
        Proto shape = new Proto();
        for (String d : dims) {
            shape.message(1, new Proto().string(2, d));                  // Dimension.dim_param
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
