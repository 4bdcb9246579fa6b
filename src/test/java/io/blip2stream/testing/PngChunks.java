package io.blip2stream.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Hand-made PNG chunks for tests: any chunk with its CRC, and zTXt EXIF profiles. */
public final class PngChunks {

    private PngChunks() {
    }

    /** Writes one chunk: length, type, data, CRC-32 of type and data. */
    public static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.ISO_8859_1);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** A whole zTXt chunk "Raw profile type exif" (as ImageMagick writes it) whose text inflates from {@code text}. */
    public static byte[] rawExifProfile(byte[] text) {
        Deflater d = new Deflater(9);
        d.setInput(text);
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (!d.finished()) {
            z.write(buf, 0, d.deflate(buf));
        }
        d.end();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes("Raw profile type exif".getBytes(StandardCharsets.ISO_8859_1));
        data.write(0);
        data.write(0); // compression method: deflate
        data.writeBytes(z.toByteArray());
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        chunk(chunk, "zTXt", data.toByteArray());
        return chunk.toByteArray();
    }
}
