package io.blip2stream.imaging;

import java.util.Optional;

/**
 * Where a GIF's first frame sits on its logical screen. PIL's image is the whole screen: the
 * first frame drawn at its offset over a canvas filled with palette index {@code fillIndex} (the
 * frame's transparent index, else 0); ImageIO returns the frame alone.
 *
 * @param screenWidth  logical screen width
 * @param screenHeight logical screen height
 * @param left         first frame's left offset
 * @param top          first frame's top offset
 * @param fillIndex    palette index of the pixels the first frame does not cover
 */
record GifCanvas(int screenWidth, int screenHeight, int left, int top, int fillIndex) {

    /** The layout of a GIF's first frame, or empty when the bytes do not parse that far. */
    static Optional<GifCanvas> read(byte[] b) {
        if (b.length < 13) {
            return Optional.empty();
        }
        int screenW = u16le(b, 6);
        int screenH = u16le(b, 8);
        int flags = b[10] & 0xFF;
        int p = 13 + ((flags & 0x80) != 0 ? 3 * (1 << ((flags & 7) + 1)) : 0);
        int transparent = -1;
        while (p < b.length) {
            int block = b[p] & 0xFF;
            if (block == 0x2C) {
                if (p + 9 > b.length) {
                    return Optional.empty();
                }
                return Optional.of(new GifCanvas(screenW, screenH, u16le(b, p + 1), u16le(b, p + 3),
                        Math.max(transparent, 0)));
            }
            if (block != 0x21 || p + 2 > b.length) {
                return Optional.empty();
            }
            int label = b[p + 1] & 0xFF;
            int q = p + 2;
            if (label == 0xF9 && q + 5 <= b.length && (b[q] & 0xFF) >= 4) {
                transparent = (b[q + 1] & 1) != 0 ? b[q + 4] & 0xFF : -1;
            }
            while (q < b.length && b[q] != 0) { // skip the extension's sub-blocks
                q += (b[q] & 0xFF) + 1;
            }
            p = q + 1;
        }
        return Optional.empty();
    }

    /**
     * The first frame placed on the screen.
     *
     * @param frame the decoded first frame
     * @param fill  RGB of {@link #fillIndex()} in the frame's palette, as {@code 0xRRGGBB}
     */
    RgbImage place(RgbImage frame, int fill) {
        if (left == 0 && top == 0 && frame.width() == screenWidth && frame.height() == screenHeight) {
            return frame;
        }
        int n = screenWidth * screenHeight;
        byte[] out = new byte[3 * n]; // [3, screenHeight, screenWidth]
        for (int c = 0; c < 3; c++) {
            java.util.Arrays.fill(out, c * n, (c + 1) * n, (byte) (fill >> (16 - 8 * c)));
        }
        byte[] src = frame.pixels();
        int fn = frame.width() * frame.height();
        for (int y = 0; y < frame.height() && top + y < screenHeight; y++) {
            for (int x = 0; x < frame.width() && left + x < screenWidth; x++) {
                int to = (top + y) * screenWidth + left + x;
                int from = y * frame.width() + x;
                for (int c = 0; c < 3; c++) {
                    out[c * n + to] = src[c * fn + from];
                }
            }
        }
        return new RgbImage(screenWidth, screenHeight, out);
    }

    private static int u16le(byte[] b, int p) {
        return (b[p] & 0xFF) | ((b[p + 1] & 0xFF) << 8);
    }
}
