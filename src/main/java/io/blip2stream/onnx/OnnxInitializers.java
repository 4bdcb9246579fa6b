package io.blip2stream.onnx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads the shapes of a graph's initializers straight from the ONNX file (ONNX Runtime's Java API
 * does not expose them): a minimal protobuf walk over {@code ModelProto.graph} (field 7),
 * {@code GraphProto.initializer} (field 5), {@code TensorProto.dims} (field 1) and {@code .name}
 * (field 8). Tensor data is skipped, never read, so this costs a few reads even for a large graph.
 */
public final class OnnxInitializers {

    private static final int WIRE_VARINT = 0;
    private static final int WIRE_I64 = 1;
    private static final int WIRE_LEN = 2;
    private static final int WIRE_I32 = 5;

    private OnnxInitializers() {
    }

    /** The dims of the first initializer whose name matches, if any. */
    public static Optional<long[]> dims(Path model, Predicate<String> name) {
        try (RandomAccessFile f = new RandomAccessFile(model.toFile(), "r")) {
            Reader r = new Reader(f);
            long end = f.length();
            while (r.pos < end) {
                long key = r.varint();
                if (key >>> 3 == 7 && (key & 7) == WIRE_LEN) {
                    long len = r.varint();
                    return graph(r, r.pos + len, name);
                }
                r.skip(key);
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model, e);
        }
    }

    private static Optional<long[]> graph(Reader r, long end, Predicate<String> name) throws IOException {
        while (r.pos < end) {
            long key = r.varint();
            if (key >>> 3 == 5 && (key & 7) == WIRE_LEN) {
                long len = r.varint();
                long tensorEnd = r.pos + len;
                List<Long> dims = new ArrayList<>();
                String tensorName = null;
                while (r.pos < tensorEnd) {
                    long k = r.varint();
                    int field = (int) (k >>> 3);
                    if (field == 1 && (k & 7) == WIRE_VARINT) {
                        dims.add(r.varint());
                    } else if (field == 1 && (k & 7) == WIRE_LEN) {
                        long packedEnd = r.varint() + r.pos;
                        while (r.pos < packedEnd) {
                            dims.add(r.varint());
                        }
                    } else if (field == 8 && (k & 7) == WIRE_LEN) {
                        tensorName = r.string((int) r.varint());
                    } else {
                        r.skip(k);
                    }
                }
                r.seek(tensorEnd);
                if (tensorName != null && name.test(tensorName)) {
                    return Optional.of(dims.stream().mapToLong(Long::longValue).toArray());
                }
            } else {
                r.skip(key);
            }
        }
        return Optional.empty();
    }

    /** Sequential protobuf reads over a file, with a small buffer. */
    private static final class Reader {
        private final RandomAccessFile f;
        private final byte[] buf = new byte[8192];
        private long bufStart;
        private int bufLen;
        long pos;

        Reader(RandomAccessFile f) {
            this.f = f;
        }

        private int read() throws IOException {
            if (pos < bufStart || pos >= bufStart + bufLen) {
                f.seek(pos);
                bufStart = pos;
                bufLen = Math.max(0, f.read(buf));
                if (bufLen == 0) {
                    throw new IOException("unexpected end of the ONNX file");
                }
            }
            return buf[(int) (pos++ - bufStart)] & 0xFF;
        }

        long varint() throws IOException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = read();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
            throw new IOException("malformed varint");
        }

        String string(int len) throws IOException {
            byte[] b = new byte[len];
            for (int i = 0; i < len; i++) {
                b[i] = (byte) read();
            }
            return new String(b, StandardCharsets.UTF_8);
        }

        void seek(long p) {
            pos = p;
        }

        void skip(long key) throws IOException {
            switch ((int) (key & 7)) {
                case WIRE_VARINT -> varint();
                case WIRE_I64 -> pos += 8;
                case WIRE_LEN -> {
                    long len = varint();
                    pos += len;
                }
                case WIRE_I32 -> pos += 4;
                default -> throw new IOException("unsupported protobuf wire type " + (key & 7));
            }
        }
    }
}
