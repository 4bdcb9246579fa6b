package io.blip2stream.pipeline.preprocess;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A still lossy WebP: a RIFF file whose image is a {@code VP8 } chunk, alone (simple format) or
 * inside a non-animated {@code VP8X} container (an {@code ALPH} chunk, if any, is ignored: PIL's
 * {@code convert("RGB")} drops alpha without compositing). Decoded with {@link Vp8Decoder} and
 * converted with {@link WebpYuvToRgb}, which together give libwebp's RGB bit for bit.
 *
 * @param frameOffset where the VP8 frame starts in the file
 * @param frameLength the VP8 chunk's payload size
 * @param width       the frame width
 * @param height      the frame height
 */
record WebpLossy(int frameOffset, int frameLength, int width, int height) {

    private static final int ANIMATION_FLAG = 0x02;

    /**
     * The lossy still image in {@code b}, or empty for any other WebP (lossless, animated), which
     * is left to the ImageIO reader.
     *
     * @throws Vp8Exception when the file is a lossy WebP but truncated or inconsistent
     */
    static Optional<WebpLossy> find(byte[] b) {
        if (b.length < 20) {
            return Optional.empty();
        }
        long riffEnd = 8 + u32le(b, 4);
        if (riffEnd > b.length) {
            throw new Vp8Exception("the RIFF container declares " + riffEnd + " bytes, the file has " + b.length);
        }
        int end = (int) riffEnd;
        String firstType = type(b, 12);
        int canvasWidth = -1;
        int canvasHeight = -1;
        if (firstType.equals("VP8X")) {
            if (end < 30) {
                throw new Vp8Exception("a truncated VP8X chunk");
            }
            if ((b[20] & ANIMATION_FLAG) != 0) {
                return Optional.empty();
            }
            canvasWidth = 1 + u24le(b, 24);
            canvasHeight = 1 + u24le(b, 27);
        } else if (!firstType.equals("VP8 ")) {
            return Optional.empty();
        }
        int p = 12;
        while (p + 8 <= end) {
            String type = type(b, p);
            long len = u32le(b, p + 4);
            int start = p + 8;
            if (start + len > end) {
                throw new Vp8Exception("the " + type.strip() + " chunk declares " + len + " bytes, "
                        + (end - start) + " are left");
            }
            if (type.equals("VP8L")) {
                return Optional.empty();
            }
            if (type.equals("VP8 ")) {
                if (len < 10) {
                    throw new Vp8Exception("a VP8 chunk of " + len + " bytes");
                }
                int w = ((b[start + 7] & 0xFF) << 8 | (b[start + 6] & 0xFF)) & 0x3FFF;
                int h = ((b[start + 9] & 0xFF) << 8 | (b[start + 8] & 0xFF)) & 0x3FFF;
                if (canvasWidth >= 0 && (canvasWidth != w || canvasHeight != h)) {
                    throw new Vp8Exception("the VP8 frame is " + w + "x" + h + " on a canvas of "
                            + canvasWidth + "x" + canvasHeight);
                }
                return Optional.of(new WebpLossy(start, (int) len, w, h));
            }
            p = start + (int) len + (int) (len & 1);
        }
        throw new Vp8Exception("no image chunk in the WebP container");
    }

    /** Decodes the frame to the RGB image PIL gets. */
    RgbImage decode(byte[] b) {
        return WebpYuvToRgb.convert(Vp8Decoder.decode(b, frameOffset, frameLength));
    }

    private static String type(byte[] b, int at) {
        return new String(b, at, 4, StandardCharsets.ISO_8859_1);
    }

    private static long u32le(byte[] b, int at) {
        return (b[at] & 0xFFL) | (b[at + 1] & 0xFFL) << 8 | (b[at + 2] & 0xFFL) << 16 | (b[at + 3] & 0xFFL) << 24;
    }

    private static int u24le(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16;
    }
}
