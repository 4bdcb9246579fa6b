package io.blip2stream.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A GIF whose first frame covers only part of its logical screen: PIL returns the whole screen
 * with the uncovered pixels set to palette index 0, or to the transparent index when the frame
 * has one (values observed with Pillow 13: palette entry i is (i, 7i mod 256, 255 - i)).
 */
class GifCanvasTest {

    @ParameterizedTest(name = "transparent index {0}")
    @CsvSource({"-1, 0, 0, 255", "7, 7, 49, 248"})
    void firstFrameIsDrawnOnTheLogicalScreen(int transparent, int r, int g, int b) {
        byte[] gif = gif(40, 30, 10, 5, 20, 12, transparent);

        RgbImage img = new ImageDecoder(ImageLimits.defaults()).decode(gif);

        assertThat(img.width()).isEqualTo(40);
        assertThat(img.height()).isEqualTo(30);
        assertThat(rgb(img, 0, 0)).containsExactly(r, g, b);
        assertThat(rgb(img, 39, 29)).containsExactly(r, g, b);
        assertThat(rgb(img, 9, 5)).containsExactly(r, g, b);
        // frame pixel (0, 0) has index 20
        assertThat(rgb(img, 10, 5)).containsExactly(20, 140, 235);
        // frame pixel (19, 11): (19 * 3 + 11 * 5) % 200 + 20 = 132
        assertThat(rgb(img, 29, 16)).containsExactly(132, (132 * 7) % 256, 255 - 132);
        assertThat(rgb(img, 30, 16)).containsExactly(r, g, b);
    }

    private static int[] rgb(RgbImage img, int x, int y) {
        return new int[] {img.get(0, x, y), img.get(1, x, y), img.get(2, x, y)};
    }

    /** A GIF89a with a 256-entry global palette and one frame of 9-bit, clear-reset LZW codes. */
    static byte[] gif(int sw, int sh, int fx, int fy, int fw, int fh, int transparent) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.writeBytes("GIF89a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        le16(d, sw);
        le16(d, sh);
        d.write(0xF7);
        d.write(3); // background index, which PIL does not use for the first frame
        d.write(0);
        for (int i = 0; i < 256; i++) {
            d.write(i);
            d.write((i * 7) % 256);
            d.write(255 - i);
        }
        if (transparent >= 0) {
            d.writeBytes(new byte[] {0x21, (byte) 0xF9, 4, 1, 0, 0, (byte) transparent, 0});
        }
        d.write(0x2C);
        le16(d, fx);
        le16(d, fy);
        le16(d, fw);
        le16(d, fh);
        d.write(0);
        d.write(8); // LZW minimum code size
        ByteArrayOutputStream codes = new ByteArrayOutputStream();
        long bits = 0;
        int nbits = 0;
        int emitted = 0;
        int[] stream = new int[fw * fh + fw * fh / 250 + 2];
        int k = 0;
        stream[k++] = 256;
        for (int y = 0; y < fh; y++) {
            for (int x = 0; x < fw; x++) {
                stream[k++] = (x * 3 + y * 5) % 200 + 20;
                if (++emitted % 250 == 0) {
                    stream[k++] = 256;
                }
            }
        }
        stream[k++] = 257;
        for (int i = 0; i < k; i++) {
            bits |= (long) stream[i] << nbits;
            nbits += 9;
            while (nbits >= 8) {
                codes.write((int) (bits & 0xFF));
                bits >>>= 8;
                nbits -= 8;
            }
        }
        if (nbits > 0) {
            codes.write((int) (bits & 0xFF));
        }
        byte[] c = codes.toByteArray();
        for (int i = 0; i < c.length; i += 255) {
            int n = Math.min(255, c.length - i);
            d.write(n);
            d.write(c, i, n);
        }
        d.write(0);
        d.write(0x3B);
        return d.toByteArray();
    }

    private static void le16(ByteArrayOutputStream d, int v) {
        d.write(v & 0xFF);
        d.write((v >> 8) & 0xFF);
    }
}
