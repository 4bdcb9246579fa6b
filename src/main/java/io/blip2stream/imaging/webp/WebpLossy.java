package io.blip2stream.imaging.webp;

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
public record WebpLossy(int frameOffset, int frameLength, int width, int height, int left, int top, int frameWidth,
                 int frameHeight) {

    private static final int ANIMATION_FLAG = 0x02;
    private static final int ANMF_HEADER = 16;

    /**
     * The lossy image in {@code b} (an animation's first frame), or empty for any other WebP
     * (lossless), which is left to the ImageIO reader.
     *
     * @throws Vp8Exception when the file is a lossy WebP but truncated or inconsistent
     */
    public static Optional<WebpLossy> find(byte[] b) {
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
        for (Chunk c = Chunk.at(b, 12, end, ""); c != null; c = c.next(b, end, "")) {
            if (c.fourCc().equals("VP8L")) {
                return Optional.empty();
            }
            if (c.fourCc().equals("VP8 ")) {
                int[] size = c.vp8Size(b);   // [width, height]
                if (canvasWidth >= 0 && (canvasWidth != size[0] || canvasHeight != size[1])) {
                    throw new Vp8Exception("the VP8 frame is " + size[0] + "x" + size[1] + " on a canvas of "
                            + canvasWidth + "x" + canvasHeight);
                }
                return Optional.of(new WebpLossy(c.start(), c.length(), size[0], size[1], 0, 0, size[0], size[1]));
            }
        }
        throw new Vp8Exception("no image chunk in the WebP container");
    }

    /** The first ANMF frame of an animated WebP when it is lossy; empty when it is lossless. */
    private static Optional<WebpLossy> firstAnimationFrame(byte[] b, int end, int canvasWidth, int canvasHeight) {
        for (Chunk c = Chunk.at(b, 12, end, ""); c != null; c = c.next(b, end, "")) {
            if (!c.fourCc().equals("ANMF")) {
                continue;
            }
            if (c.length() < ANMF_HEADER) {
                throw new Vp8Exception("an ANMF chunk of " + c.length() + " bytes");
            }
            int left = 2 * u24le(b, c.start());
            int top = 2 * u24le(b, c.start() + 3);
            int fw = 1 + u24le(b, c.start() + 6);
            int fh = 1 + u24le(b, c.start() + 9);
            if (left + fw > canvasWidth || top + fh > canvasHeight) {
                throw new Vp8Exception("the first frame (" + fw + "x" + fh + " at " + left + "," + top
                        + ") leaves the " + canvasWidth + "x" + canvasHeight + " canvas");
            }
            int frameEnd = c.start() + c.length();
            for (Chunk sub = Chunk.at(b, c.start() + ANMF_HEADER, frameEnd, "frame's ");
                 sub != null; sub = sub.next(b, frameEnd, "frame's ")) {
                if (sub.fourCc().equals("VP8L")) {
                    return Optional.empty();
                }
                if (sub.fourCc().equals("VP8 ")) {
                    int[] size = sub.vp8Size(b);   // [width, height]
                    if (size[0] != fw || size[1] != fh) {
                        throw new Vp8Exception("the VP8 frame is " + size[0] + "x" + size[1] + " in an ANMF frame of "
                                + fw + "x" + fh);
                    }
                    return Optional.of(new WebpLossy(sub.start(), sub.length(), canvasWidth, canvasHeight,
                            left, top, fw, fh));
                }
            }
            throw new Vp8Exception("no image chunk in the first ANMF frame");
        }
        throw new Vp8Exception("no ANMF frame in the animated WebP");
    }

    /**
     * One RIFF chunk: its four-character type and where its payload lies.
     *
     * @param fourCc the chunk type ("VP8 ", "VP8L", "ANMF", …)
     * @param start  the payload's first byte
     * @param length the payload's size (a chunk is padded to an even size)
     */
    private record Chunk(String fourCc, int start, int length) {

        /** The chunk whose header is at {@code p}, or null when no header fits before {@code end}. */
        static Chunk at(byte[] b, int p, int end, String where) {
            if (p + 8 > end) {
                return null;
            }
            String fourCc = WebpLossy.type(b, p);
            long len = u32le(b, p + 4);
            int start = p + 8;
            if (start + len > end) {
                throw new Vp8Exception("the " + where + fourCc.strip() + " chunk declares " + len + " bytes, "
                        + (end - start) + " are left");
            }
            return new Chunk(fourCc, start, (int) len);
        }

        Chunk next(byte[] b, int end, String where) {
            return at(b, start + length + (length & 1), end, where);
        }

        /** Width and height from a VP8 key frame's header. */
        int[] vp8Size(byte[] b) {
            if (length < 10) {
                throw new Vp8Exception("a VP8 chunk of " + length + " bytes");
            }
            int w = ((b[start + 7] & 0xFF) << 8 | (b[start + 6] & 0xFF)) & 0x3FFF;
            int h = ((b[start + 9] & 0xFF) << 8 | (b[start + 8] & 0xFF)) & 0x3FFF;
            return new int[]{w, h};
        }
    }

    /**
     * Decodes the frame to the RGB samples PIL gets (placed on the black canvas of an animation).
     *
     * @return 8-bit RGB, planar: byte[3 * height * width]  // [3, height, width]
     */
    public byte[] decode(byte[] b) {
        byte[] src = WebpYuvToRgb.convert(Vp8Decoder.decode(b, frameOffset, frameLength)); // [3, frameHeight, frameWidth]
        if (left == 0 && top == 0 && frameWidth == width && frameHeight == height) {
            return src;
        }
        int n = width * height;
        int fn = frameWidth * frameHeight;
        byte[] out = new byte[3 * n]; // [3, height, width], black outside the frame
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < frameHeight; y++) {
                System.arraycopy(src, c * fn + y * frameWidth, out, c * n + (top + y) * width + left, frameWidth);
            }
        }
        return out;
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
