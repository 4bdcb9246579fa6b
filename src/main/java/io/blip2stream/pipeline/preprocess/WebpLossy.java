package io.blip2stream.pipeline.preprocess;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A lossy WebP image: a RIFF file whose image is a {@code VP8 } chunk, alone (simple format),
 * inside a {@code VP8X} container (an {@code ALPH} chunk, if any, is ignored: PIL's
 * {@code convert("RGB")} drops alpha without compositing), or, in an animated file, the first
 * {@code ANMF} frame's. Decoded with {@link Vp8Decoder} and converted with {@link WebpYuvToRgb},
 * which together give libwebp's RGB bit for bit. PIL takes an animation's first frame from
 * libwebp's {@code WebPAnimDecoder}: the frame written at its offset onto a canvas cleared to
 * transparent black, which {@code convert("RGB")} leaves black.
 *
 * @param frameOffset where the VP8 frame starts in the file
 * @param frameLength the VP8 chunk's payload size
 * @param width       the image (canvas) width
 * @param height      the image (canvas) height
 * @param left        the frame's left offset on the canvas (0 for a still image)
 * @param top         the frame's top offset on the canvas (0 for a still image)
 * @param frameWidth  the frame width
 * @param frameHeight the frame height
 */
record WebpLossy(int frameOffset, int frameLength, int width, int height, int left, int top, int frameWidth,
                 int frameHeight) {

    private static final int ANIMATION_FLAG = 0x02;
    private static final int ANMF_HEADER = 16;

    /**
     * The lossy image in {@code b} (an animation's first frame), or empty for any other WebP
     * (lossless), which is left to the ImageIO reader.
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
            canvasWidth = 1 + u24le(b, 24);
            canvasHeight = 1 + u24le(b, 27);
            if ((b[20] & ANIMATION_FLAG) != 0) {
                return firstAnimationFrame(b, end, canvasWidth, canvasHeight);
            }
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
                return Optional.of(new WebpLossy(start, (int) len, w, h, 0, 0, w, h));
            }
            p = start + (int) len + (int) (len & 1);
        }
        throw new Vp8Exception("no image chunk in the WebP container");
    }

    /** The first ANMF frame of an animated WebP when it is lossy; empty when it is lossless. */
    private static Optional<WebpLossy> firstAnimationFrame(byte[] b, int end, int canvasWidth, int canvasHeight) {
        int p = 12;
        while (p + 8 <= end) {
            String type = type(b, p);
            long len = u32le(b, p + 4);
            int start = p + 8;
            if (start + len > end) {
                throw new Vp8Exception("the " + type.strip() + " chunk declares " + len + " bytes, "
                        + (end - start) + " are left");
            }
            if (type.equals("ANMF")) {
                if (len < ANMF_HEADER) {
                    throw new Vp8Exception("an ANMF chunk of " + len + " bytes");
                }
                int left = 2 * u24le(b, start);
                int top = 2 * u24le(b, start + 3);
                int fw = 1 + u24le(b, start + 6);
                int fh = 1 + u24le(b, start + 9);
                if (left + fw > canvasWidth || top + fh > canvasHeight) {
                    throw new Vp8Exception("the first frame (" + fw + "x" + fh + " at " + left + "," + top
                            + ") leaves the " + canvasWidth + "x" + canvasHeight + " canvas");
                }
                int frameEnd = start + (int) len;
                int q = start + ANMF_HEADER;
                while (q + 8 <= frameEnd) {
                    String sub = type(b, q);
                    long subLen = u32le(b, q + 4);
                    int subStart = q + 8;
                    if (subStart + subLen > frameEnd) {
                        throw new Vp8Exception("the frame's " + sub.strip() + " chunk declares " + subLen
                                + " bytes, " + (frameEnd - subStart) + " are left");
                    }
                    if (sub.equals("VP8L")) {
                        return Optional.empty();
                    }
                    if (sub.equals("VP8 ")) {
                        if (subLen < 10) {
                            throw new Vp8Exception("a VP8 chunk of " + subLen + " bytes");
                        }
                        int w = ((b[subStart + 7] & 0xFF) << 8 | (b[subStart + 6] & 0xFF)) & 0x3FFF;
                        int h = ((b[subStart + 9] & 0xFF) << 8 | (b[subStart + 8] & 0xFF)) & 0x3FFF;
                        if (w != fw || h != fh) {
                            throw new Vp8Exception("the VP8 frame is " + w + "x" + h + " in an ANMF frame of "
                                    + fw + "x" + fh);
                        }
                        return Optional.of(new WebpLossy(subStart, (int) subLen, canvasWidth, canvasHeight,
                                left, top, w, h));
                    }
                    q = subStart + (int) subLen + (int) (subLen & 1);
                }
                throw new Vp8Exception("no image chunk in the first ANMF frame");
            }
            p = start + (int) len + (int) (len & 1);
        }
        throw new Vp8Exception("no ANMF frame in the animated WebP");
    }

    /** Decodes the frame to the RGB image PIL gets (placed on the black canvas of an animation). */
    RgbImage decode(byte[] b) {
        RgbImage frame = WebpYuvToRgb.convert(Vp8Decoder.decode(b, frameOffset, frameLength));
        if (left == 0 && top == 0 && frameWidth == width && frameHeight == height) {
            return frame;
        }
        int n = width * height;
        int fn = frameWidth * frameHeight;
        byte[] out = new byte[3 * n]; // [3, height, width], black outside the frame
        byte[] src = frame.pixels(); // [3, frameHeight, frameWidth]
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < frameHeight; y++) {
                System.arraycopy(src, c * fn + y * frameWidth, out, c * n + (top + y) * width + left, frameWidth);
            }
        }
        return new RgbImage(width, height, out);
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
