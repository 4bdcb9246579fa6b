package io.blip2stream.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** PNG layouts where ImageIO's image model and PIL's mode disagree. */
class ImageDecoderPngTest {

    private static final Path IMAGES = Path.of("src/test/resources/images");

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.defaults());

    @Test
    void sixteenBitGrayIsPilI16OnlyWithoutAnAlphaChannel() throws IOException {
        assertThat(ImageDecoder.pngGray16(read("gray16_128x96.png"))).isTrue();
        assertThat(ImageDecoder.pngGray16(read("png_gray16_trns_224.png"))).as("tRNS is no alpha channel").isTrue();
        assertThat(ImageDecoder.pngGray16(read("png_la16_224.png"))).isFalse();
        assertThat(ImageDecoder.pngGray16(read("rgb16_64x48.png"))).isFalse();
        assertThat(ImageDecoder.pngGray16(read("gray_256x256.png"))).isFalse();
    }

    @Test
    void sixteenBitGrayWithTrnsIsClippedNotShifted() throws IOException {
        // stored samples 402 at (0, 0) and 424 at (100, 100): PIL's I;16 -> RGB clips both to 255,
        // while the high byte would be 1
        RgbImage rgb = decoder.decode(read("png_gray16_trns_224.png"));

        for (int c = 0; c < 3; c++) {
            assertThat(rgb.get(c, 0, 0)).isEqualTo(255);
            assertThat(rgb.get(c, 100, 100)).isEqualTo(255);
        }
    }

    private static byte[] read(String name) throws IOException {
        return Files.readAllBytes(IMAGES.resolve(name));
    }
}
