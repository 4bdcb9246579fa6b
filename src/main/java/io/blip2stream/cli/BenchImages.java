package io.blip2stream.cli;

import io.blip2stream.imaging.Png;

import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/** Deterministic synthetic photos for benchmarks: gradients, a disc, stripes and noise; distinct per index. */
final class BenchImages {
    private BenchImages() {
    }

    /** A 320×240 PNG, different for every {@code index}. */
    static byte[] png(int index) {
        int w = 320;
        int h = 240;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        SplittableRandom rnd = new SplittableRandom(0x5eed + index);
        int cx = rnd.nextInt(w);
        int cy = rnd.nextInt(h);
        int radius = 30 + rnd.nextInt(60);
        int stripe = 5 + rnd.nextInt(20);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = (x * 255 / w + index * 37) & 0xff;
                int g = (y * 255 / h + index * 91) & 0xff;
                int b = ((x + y) / stripe % 2 == 0) ? 200 : 40;
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) < radius * radius) {
                    r = 255 - r;
                    g = 255 - g;
                }
                int n = rnd.nextInt(21) - 10;
                img.setRGB(x, y, (clamp(r + n) << 16) | (clamp(g + n) << 8) | clamp(b + n));
            }
        }
        return Png.encode(img);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
