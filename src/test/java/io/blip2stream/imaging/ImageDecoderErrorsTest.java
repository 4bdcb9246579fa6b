package io.blip2stream.imaging;

import io.blip2stream.testing.PngChunks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.Deflater;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every class of bad input gets its own typed error, and the limit when one was broken. */
class ImageDecoderErrorsTest {

    private static final Path IMAGES = Path.of("src/test/resources/images");
    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.defaults());

    @Test
    void emptyInputIsInvalid() {
        assertThat(error(new byte[0]).code()).isEqualTo(ErrorCode.INVALID_IMAGE);
        assertThat(error(null).code()).isEqualTo(ErrorCode.INVALID_IMAGE);
    }

    @Test
    void randomBytesAreInvalid() {
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        noise[0] = 0x12; // keep it clear of any magic number

        Blip2Exception e = error(noise);

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_IMAGE);
        assertThat(e.limit()).isEmpty();
    }

    @Test
    void truncatedJpegIsInvalid() throws IOException {
        byte[] jpeg = Files.readAllBytes(IMAGES.resolve("photo_640x480.jpg"));
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);

        assertThat(error(truncated).code()).isEqualTo(ErrorCode.INVALID_IMAGE);
    }

    @Test
    void jpegWithOnlyAHeaderIsInvalid() throws IOException {
        byte[] jpeg = Files.readAllBytes(IMAGES.resolve("photo_640x480.jpg"));

        assertThat(error(Arrays.copyOf(jpeg, 700)).code()).isEqualTo(ErrorCode.INVALID_IMAGE);
    }

    @Test
    void truncatedPngIsInvalid() throws IOException {
        byte[] png = Files.readAllBytes(IMAGES.resolve("portrait_300x500.png"));

        assertThat(error(Arrays.copyOf(png, png.length / 3)).code()).isEqualTo(ErrorCode.INVALID_IMAGE);
    }

    @Test
    void pngWithCorruptPixelDataIsInvalid() throws IOException {
        byte[] png = Files.readAllBytes(IMAGES.resolve("portrait_300x500.png"));
        byte[] corrupt = png.clone();
        for (int i = 200; i < corrupt.length - 100; i += 7) {
            corrupt[i] ^= 0x5A;
        }

        assertThat(error(corrupt).code()).isEqualTo(ErrorCode.INVALID_IMAGE);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tiff-le", "tiff-be", "bigtiff", "heic", "avif", "svg", "svg-xml", "pdf", "psd", "jxl", "jp2"})
    void knownButUnsupportedFormatsAreUnsupported(String kind) {
        byte[] bytes = switch (kind) {
            case "tiff-le" -> withTail(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0});
            case "tiff-be" -> withTail(new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8});
            case "bigtiff" -> withTail(new byte[] {'I', 'I', 43, 0, 8, 0, 0, 0});
            case "heic" -> withTail(box("ftypheic"));
            case "avif" -> withTail(box("ftypavif"));
            case "svg" -> ascii("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>");
            case "svg-xml" -> ascii("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
            case "pdf" -> ascii("%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n");
            case "psd" -> withTail(ascii("8BPS"));
            case "jxl" -> withTail(new byte[] {(byte) 0xFF, 0x0A, (byte) 0xFA, 0x7F});
            case "jp2" -> withTail(new byte[] {0, 0, 0, 12, 'j', 'P', ' ', ' ', 13, 10, (byte) 0x87, 10});
            default -> throw new IllegalArgumentException(kind);
        };

        Blip2Exception e = error(bytes);

        assertThat(e.code()).as(kind).isEqualTo(ErrorCode.UNSUPPORTED_IMAGE_FORMAT);
        assertThat(ImageFormat.sniff(bytes)).isPresent().get().extracting(ImageFormat::supported).isEqualTo(false);
    }

    @Test
    void bytesOverTheLimitAreTooLargeBeforeAnythingIsRead() throws IOException {
        byte[] jpeg = Files.readAllBytes(IMAGES.resolve("photo_640x480.jpg"));
        ImageDecoder small = new ImageDecoder(new ImageLimits(jpeg.length - 1, 40_000_000L, 16_384));

        Blip2Exception e = catchThrowableOfType(Blip2Exception.class, () -> small.decode(jpeg));

        assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
        assertThat(e.limit()).hasValue(jpeg.length - 1);
        // the limit is on bytes, whatever they are: noise over the limit is "too large", not "invalid"
        assertThat(catchThrowableOfType(Blip2Exception.class, () -> small.decode(new byte[jpeg.length])).code())
                .isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
    }

    @Test
    void decompressionBombIsRefusedFromItsHeader() {
        // 10,000 x 10,000 8-bit grayscale, all zeros: ~100 KB of PNG that inflates to 100 MB of
        // samples (400 MB as an ARGB image); 10^8 pixels is over the default 4 * 10^7
        byte[] bomb = grayPng(10_000, 10_000);
        assertThat(bomb.length).isLessThan(200_000);

        Blip2Exception e = error(bomb);

        assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
        assertThat(e.limit()).hasValue(ImageLimits.DEFAULT_MAX_PIXELS);
        assertThat(e.detail()).contains("10000x10000");
    }

    @Test
    void hugeDeclaredSideIsRefusedFromAHeaderOnlyFile() {
        // a PNG that declares 100,000 x 1 and holds no pixel data at all
        byte[] header = pngHeaderOnly(100_000, 1);

        Blip2Exception e = error(header);

        assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
        assertThat(e.limit()).hasValue((long) ImageLimits.DEFAULT_MAX_SIDE);
    }

    @Test
    void pixelLimitIsConfigurable() throws IOException {
        byte[] png = Files.readAllBytes(IMAGES.resolve("portrait_300x500.png"));
        ImageDecoder small = new ImageDecoder(new ImageLimits(1 << 20, 300L * 500 - 1, 16_384));

        Blip2Exception e = catchThrowableOfType(Blip2Exception.class, () -> small.decode(png));

        assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
        assertThat(e.limit()).hasValue(300L * 500 - 1);
        assertThat(new ImageDecoder(new ImageLimits(1 << 20, 300L * 500, 16_384)).decode(png).width()).isEqualTo(300);
    }

    @Test
    void limitsMustBePositive() {
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> new ImageLimits(0, 1, 1))).isNotNull();
        assertThat(ImageLimits.defaults().maxEncodedBytes()).isEqualTo(20L * 1024 * 1024);
    }

    private Blip2Exception error(byte[] bytes) {
        Blip2Exception e = catchThrowableOfType(Blip2Exception.class, () -> decoder.decode(bytes));
        assertThat(e).as("a typed error").isNotNull();
        return e;
    }

    private static byte[] withTail(byte[] head) {
        byte[] out = Arrays.copyOf(head, head.length + 64);
        Arrays.fill(out, head.length, out.length, (byte) 1);
        return out;
    }

    private static byte[] box(String typeAndBrand) {
        ByteBuffer b = ByteBuffer.allocate(4 + typeAndBrand.length());
        b.putInt(24).put(typeAndBrand.getBytes(StandardCharsets.ISO_8859_1));
        return b.array();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A complete, valid grayscale PNG of zeros, streamed through the deflater row by row. */
    static byte[] grayPng(int width, int height) {
        Deflater deflater = new Deflater(9);
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        byte[] row = new byte[width + 1]; // filter byte + samples
        byte[] buf = new byte[1 << 16];
        for (int y = 0; y < height; y++) {
            deflater.setInput(row);
            while (!deflater.needsInput()) {
                idat.write(buf, 0, deflater.deflate(buf));
            }
        }
        deflater.finish();
        while (!deflater.finished()) {
            idat.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        chunk(png, "IHDR", ihdr(width, height));
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        chunk(png, "IHDR", ihdr(width, height));
        return png.toByteArray();
    }

    private static byte[] ihdr(int width, int height) {
        return ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0).array();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        PngChunks.chunk(out, type, data);
    }
}
