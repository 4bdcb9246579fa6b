package io.blip2stream.imaging;

import io.blip2stream.testing.PngChunks;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Compressed PNG metadata (zTXt, iTXt) is inflated within one budget per image, across every
 * chunk: chunks past it are ignored, so 500 small chunks cannot each cost 16 MB of inflation.
 */
class PngMetadataBudgetTest {

    private static final int MB = 1 << 20;

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.defaults());

    /** A 40 x 20 PNG with the given chunks after IHDR. */
    private static byte[] png(byte[]... chunks) {
        byte[] plain = Png.encode(new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB));
        int afterIhdr = 8 + 8 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, afterIhdr);
        for (byte[] c : chunks) {
            out.writeBytes(c);
        }
        out.write(plain, afterIhdr, plain.length - afterIhdr);
        return out.toByteArray();
    }

    private static byte[] rawProfile(byte[] text) {
        return PngChunks.rawExifProfile(text);
    }

    private static byte[] orientation(int o) {
        byte[] exif = ExifOrientationTest.exif(o, true);
        String text = "\nexif\n    " + exif.length + "\n" + HexFormat.of().formatHex(exif) + "\n";
        return rawProfile(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void metadataWithinTheBudgetIsRead() {
        RgbImage img = decoder.decode(png(orientation(6)));
        assertThat(img.width()).isEqualTo(20); // rotated: the orientation was read
    }

    @Test
    void chunksPastTheImagesInflationBudgetAreIgnored() {
        byte[][] chunks = new byte[41][];
        for (int i = 0; i < 40; i++) {
            chunks[i] = rawProfile(new byte[MB]); // 1 MiB each once inflated, about 1 KiB in the file
        }
        chunks[40] = orientation(6);
        byte[] png = png(chunks);
        assertThat(png.length).isLessThan(100 * 1024);

        RgbImage img = decoder.decode(png);

        assertThat(img.width()).as("the last chunk is past the budget: not inflated, not applied").isEqualTo(40);
        assertThat(ImageMetadata.read(png, ImageFormat.PNG, ImageLimits.DEFAULT_MAX_METADATA_BYTES).inflatedBytes())
                .isLessThanOrEqualTo(ImageLimits.DEFAULT_MAX_METADATA_BYTES);
    }
}
