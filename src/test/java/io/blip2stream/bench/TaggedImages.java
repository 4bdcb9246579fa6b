package io.blip2stream.bench;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Gives an image distinct bytes without changing its pixels: a comment ({@code COM} segment in a
 * JPEG, {@code tEXt} chunk in a PNG). The engine caches vision outputs by the SHA-256 of the
 * bytes, so tagged copies cost a full preprocess + vision run, as the engine bench's
 * cache-off runs do.
 */
final class TaggedImages {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final int PNG_IHDR_END = 8 + 4 + 4 + 13 + 4; // signature, length, type, data, crc

    private TaggedImages() {
    }

    static byte[] tagged(byte[] image, String tag) {
        byte[] text = tag.getBytes(StandardCharsets.US_ASCII);
        if (image.length > 2 && (image[0] & 0xff) == 0xff && (image[1] & 0xff) == 0xd8) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(image.length + text.length + 4);
            out.write(image, 0, 2);                                     // SOI
            out.write(0xff);
            out.write(0xfe);                                            // COM
            out.write((text.length + 2) >> 8);
            out.write((text.length + 2) & 0xff);
            out.writeBytes(text);
            out.write(image, 2, image.length - 2);
            return out.toByteArray();
        }
        if (image.length > PNG_IHDR_END && java.util.Arrays.equals(image, 0, 8, PNG_SIGNATURE, 0, 8)) {
            byte[] data = ("Comment\0" + tag).getBytes(StandardCharsets.ISO_8859_1);
            byte[] type = "tEXt".getBytes(StandardCharsets.US_ASCII);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            ByteBuffer chunk = ByteBuffer.allocate(12 + data.length)
                    .putInt(data.length).put(type).put(data).putInt((int) crc.getValue());
            ByteArrayOutputStream out = new ByteArrayOutputStream(image.length + chunk.capacity());
            out.write(image, 0, PNG_IHDR_END);
            out.writeBytes(chunk.array());
            out.write(image, PNG_IHDR_END, image.length - PNG_IHDR_END);
            return out.toByteArray();
        }
        throw new IllegalArgumentException("only JPEG and PNG images can be tagged");
    }
}
