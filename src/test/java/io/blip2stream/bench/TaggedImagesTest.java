package io.blip2stream.bench;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TaggedImagesTest {

    @Test
    void taggedJpegAndPngHaveNewBytesAndTheSamePixels() throws IOException {
        for (String name : new String[] {"photo_640x480.jpg", "rgba_320x240.png", "palette_200x150.png"}) {
            byte[] original = Files.readAllBytes(Path.of("src/test/resources/images", name));

            byte[] tagged = TaggedImages.tagged(original, "bench-17");

            assertThat(tagged).as(name).isNotEqualTo(original).hasSizeGreaterThan(original.length);
            assertSamePixels(decode(original), decode(tagged));
        }
    }

    @Test
    void rejectsOtherFormats() throws IOException {
        byte[] bmp = Files.readAllBytes(Path.of("src/test/resources/images/bmp_100x80.bmp"));

        assertThatThrownBy(() -> TaggedImages.tagged(bmp, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    private static BufferedImage decode(byte[] bytes) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        assertThat(image).isNotNull();
        return image;
    }

    private static void assertSamePixels(BufferedImage a, BufferedImage b) {
        assertThat(b.getWidth()).isEqualTo(a.getWidth());
        assertThat(b.getHeight()).isEqualTo(a.getHeight());
        int[] pa = a.getRGB(0, 0, a.getWidth(), a.getHeight(), null, 0, a.getWidth());   // [h * w] ARGB
        int[] pb = b.getRGB(0, 0, b.getWidth(), b.getHeight(), null, 0, b.getWidth());   // [h * w] ARGB
        assertThat(pb).isEqualTo(pa);
    }
}
