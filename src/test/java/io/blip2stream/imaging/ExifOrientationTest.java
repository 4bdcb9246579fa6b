package io.blip2stream.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * EXIF orientation as PIL's {@code ImageOps.exif_transpose}: a 3 × 2 PNG whose pixels are the
 * letters a..f (row by row), with an {@code eXIf} chunk, must come out transposed as PIL's
 * named transposes do.
 */
class ExifOrientationTest {

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.defaults());

    @ParameterizedTest(name = "orientation {0}")
    @CsvSource({
        "1, 3, abc/def",
        "2, 3, cba/fed",   // FLIP_LEFT_RIGHT
        "3, 3, fed/cba",   // ROTATE_180
        "4, 3, def/abc",   // FLIP_TOP_BOTTOM
        "5, 2, ad/be/cf",  // TRANSPOSE
        "6, 2, da/eb/fc",  // ROTATE_270 (clockwise)
        "7, 2, fc/eb/da",  // TRANSVERSE
        "8, 2, cf/be/ad",  // ROTATE_90 (counter-clockwise)
    })
    void exifOrientationTransposesAsPil(int orientation, int width, String rows) throws IOException {
        byte[] png = withChunkAfterHeader(letters(), "eXIf", exif(orientation, true));

        RgbImage img = decoder.decode(png);

        assertThat(img.width()).isEqualTo(width);
        assertThat(lettersOf(img)).isEqualTo(rows);
    }

    @ParameterizedTest(name = "big-endian {0}")
    @ValueSource(ints = {3, 6, 8})
    void bigEndianExifIsRead(int orientation) {
        assertThat(ImageMetadata.exifOrientation(exif(orientation, false))).isEqualTo(orientation);
        assertThat(ImageMetadata.exifOrientation(exif(orientation, true))).isEqualTo(orientation);
    }

    @Test
    void xmpOrientationIsUsedWhenExifHasNone() throws IOException {
        byte[] xmp = itxt("XML:com.adobe.xmp",
                "<x:xmpmeta><rdf:Description tiff:Orientation=\"6\"/></x:xmpmeta>");
        byte[] png = withChunkAfterHeader(letters(), "iTXt", xmp);

        assertThat(lettersOf(decoder.decode(png))).isEqualTo("da/eb/fc");
    }

    @Test
    void exifOrientationWinsOverXmp() throws IOException {
        byte[] png = withChunkAfterHeader(letters(), "iTXt", itxt("XML:com.adobe.xmp", "<tiff:Orientation>6</tiff:Orientation>"));
        png = withChunkAfterHeader(png, "eXIf", exif(2, true));

        assertThat(lettersOf(decoder.decode(png))).isEqualTo("cba/fed");
    }

    @Test
    void outOfRangeOrMalformedOrientationLeavesTheImageAlone() throws IOException {
        assertThat(lettersOf(decoder.decode(withChunkAfterHeader(letters(), "eXIf", exif(9, true))))).isEqualTo("abc/def");
        assertThat(lettersOf(decoder.decode(withChunkAfterHeader(letters(), "eXIf", new byte[] {'I', 'I', 1}))))
                .isEqualTo("abc/def");
        assertThat(ImageMetadata.exifOrientation(Arrays.copyOf(exif(6, true), 12))).isNull();
    }

    @Test
    void jpegExifOrientationIsRead() throws IOException {
        byte[] jpeg = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("src/test/resources/images/exif_rotated_6.jpg"));

        ImageMetadata m = ImageMetadata.read(jpeg, ImageFormat.JPEG);

        assertThat(m.orientation()).isEqualTo(6);
        assertThat(m.jpegComponents()).isEqualTo(3);
    }

    /** Letters a..f as 3 × 2 RGB pixels: letter {@code k} is (k, 2k, 3k) with k = 10, 20, ... */
    private static byte[] letters() throws IOException {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 6; i++) {
            int k = 10 * (i + 1);
            img.setRGB(i % 3, i / 3, (k << 16) | (2 * k << 8) | 3 * k);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, "png", out)).isTrue();
        return out.toByteArray();
    }

    private static String lettersOf(RgbImage img) {
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < img.height(); y++) {
            if (y > 0) {
                sb.append('/');
            }
            for (int x = 0; x < img.width(); x++) {
                int k = img.get(0, x, y);
                assertThat(img.get(1, x, y)).isEqualTo(2 * k);
                assertThat(img.get(2, x, y)).isEqualTo(3 * k);
                sb.append((char) ('a' + k / 10 - 1));
            }
        }
        return sb.toString();
    }

    /** A TIFF-structured EXIF block (no "Exif\0\0" prefix, as PNG's eXIf holds it). */
    static byte[] exif(int orientation, boolean littleEndian) {
        ByteBuffer b = ByteBuffer.allocate(8 + 2 + 12 + 4).order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        b.put(littleEndian ? (byte) 'I' : (byte) 'M').put(littleEndian ? (byte) 'I' : (byte) 'M').putShort((short) 42).putInt(8);
        b.putShort((short) 1);
        b.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        b.putInt(0);
        return b.array();
    }

    private static byte[] itxt(String keyword, String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(keyword.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(new byte[] {0, 0, 0, 0, 0}); // separator, not compressed, method, empty language, empty translation
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static byte[] withChunkAfterHeader(byte[] png, String type, byte[] data) {
        int afterIhdr = 8 + 8 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, afterIhdr);
        ImageDecoderErrorsTest.chunk(out, type, data);
        out.write(png, afterIhdr, png.length - afterIhdr);
        return out.toByteArray();
    }
}
