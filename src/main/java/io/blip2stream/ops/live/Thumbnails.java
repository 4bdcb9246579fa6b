package io.blip2stream.ops.live;

import io.blip2stream.imaging.ImageDecoder;
import io.blip2stream.imaging.ImageLimits;
import io.blip2stream.imaging.RgbImage;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * Small previews for the live page: the request's image decoded as the engine decodes it (EXIF
 * orientation included, the same limits), averaged down so that its longer side is at most
 * {@code maxSide} pixels, and re-encoded as a JPEG data URL. The browser only ever sees bytes this
 * class wrote, never the producer's.
 */
public final class Thumbnails {

    private final ImageDecoder decoder;
    private final int maxSide;

    public Thumbnails(ImageLimits limits, int maxSide) {
        if (maxSide < 8 || maxSide > 512) {
            throw new IllegalArgumentException("the thumbnail side must be 8..512 pixels, got " + maxSide);
        }
        this.decoder = new ImageDecoder(limits);
        this.maxSide = maxSide;
    }

    /** A {@code data:image/jpeg;base64,…} URL, or empty when the bytes are not an image this service reads. */
    public Optional<String> dataUrl(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            return Optional.empty();
        }
        RgbImage image;
        try {
            image = decoder.decode(encoded);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
        return Optional.of("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg(shrink(image))));
    }

    /** Box-filters {@code image} down to at most {@code maxSide} on its longer side (never up). */
    BufferedImage shrink(RgbImage image) {
        int w = image.width();
        int h = image.height();
        double scale = Math.min(1.0, (double) maxSide / Math.max(w, h));
        int tw = Math.max(1, (int) Math.round(w * scale));
        int th = Math.max(1, (int) Math.round(h * scale));
        BufferedImage out = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
        byte[] px = image.pixels(); // [3, h, w]
        int plane = w * h;
        for (int ty = 0; ty < th; ty++) {
            int y0 = (int) ((long) ty * h / th);
            int y1 = Math.max(y0 + 1, (int) ((long) (ty + 1) * h / th));
            for (int tx = 0; tx < tw; tx++) {
                int x0 = (int) ((long) tx * w / tw);
                int x1 = Math.max(x0 + 1, (int) ((long) (tx + 1) * w / tw));
                long r = 0;
                long g = 0;
                long b = 0;
                for (int y = y0; y < y1; y++) {
                    int row = y * w;
                    for (int x = x0; x < x1; x++) {
                        r += px[row + x] & 0xFF;
                        g += px[plane + row + x] & 0xFF;
                        b += px[2 * plane + row + x] & 0xFF;
                    }
                }
                long n = (long) (y1 - y0) * (x1 - x0);
                out.setRGB(tx, ty, (int) (r / n) << 16 | (int) (g / n) << 8 | (int) (b / n));
            }
        }
        return out;
    }

    private static byte[] jpeg(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(4096);
        try {
            if (!ImageIO.write(image, "jpg", bytes)) {
                throw new IllegalStateException("no JPEG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
