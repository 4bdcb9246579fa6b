package io.blip2stream.messaging;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Small distinct images, encoded in memory. */
final class TestImages {

    private TestImages() {
    }

    /** A 40x32 image whose pattern depends on {@code seed}, encoded as PNG or JPEG. */
    static byte[] image(int seed, String format) {
        BufferedImage img = new BufferedImage(40, 32, BufferedImage.TYPE_INT_RGB); // [32, 40] RGB
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int r = (x * 6 + seed * 37) & 0xff;
                int g = (y * 8 + seed * 91) & 0xff;
                int b = ((x ^ y) * 5 + seed * 13) & 0xff;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] png(int seed) {
        return image(seed, "png");
    }
}
