package io.blip2stream.imaging;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Image formats recognised by their leading bytes: the supported ones, and well-known ones
 * refused as unsupported (so a TIFF or HEIC upload is told so instead of "cannot decode").
 */
public enum ImageFormat {
    JPEG(true),
    PNG(true),
    GIF(true),
    BMP(true),
    WEBP(true),
    TIFF(false),
    HEIF(false),
    AVIF(false),
    JPEG2000(false),
    JPEG_XL(false),
    SVG(false),
    PDF(false),
    PSD(false),
    ICO(false),
    QOI(false);

    private final boolean supported;

    ImageFormat(boolean supported) {
        this.supported = supported;
    }

    /** Whether this service decodes the format. */
    public boolean supported() {
        return supported;
    }

    /** The format these bytes start with, if any is recognised. */
    public static Optional<ImageFormat> sniff(byte[] b) {
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) {
            return Optional.of(GIF);
        }
        if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) {
            return Optional.of(WEBP);
        }
        if (ascii(b, 0, "BM") && b.length >= 26) {
            return Optional.of(BMP);
        }
        if (startsWith(b, 0, 'I', 'I', 0x2A, 0x00) || startsWith(b, 0, 'M', 'M', 0x00, 0x2A)
                || startsWith(b, 0, 'I', 'I', 0x2B, 0x00) || startsWith(b, 0, 'M', 'M', 0x00, 0x2B)) {
            return Optional.of(TIFF);
        }
        if (ascii(b, 4, "ftyp") && b.length >= 12) {
            String brand = new String(b, 8, 4, StandardCharsets.ISO_8859_1);
            if (brand.startsWith("avi")) {
                return Optional.of(AVIF);
            }
            if (brand.startsWith("hei") || brand.startsWith("hev") || brand.equals("mif1") || brand.equals("msf1")) {
                return Optional.of(HEIF);
            }
        }
        if (startsWith(b, 0, 0x00, 0x00, 0x00, 0x0C, 'j', 'P', 0x20, 0x20) || startsWith(b, 0, 0xFF, 0x4F, 0xFF, 0x51)) {
            return Optional.of(JPEG2000);
        }
        if (startsWith(b, 0, 0xFF, 0x0A) || startsWith(b, 0, 0x00, 0x00, 0x00, 0x0C, 'J', 'X', 'L', 0x20)) {
            return Optional.of(JPEG_XL);
        }
        if (ascii(b, 0, "%PDF-")) {
            return Optional.of(PDF);
        }
        if (ascii(b, 0, "8BPS")) {
            return Optional.of(PSD);
        }
        if (ascii(b, 0, "qoif")) {
            return Optional.of(QOI);
        }
        if (startsWith(b, 0, 0x00, 0x00, 0x01, 0x00) && b.length >= 6 && (b[4] != 0 || b[5] != 0)) {
            return Optional.of(ICO);
        }
        if (looksLikeSvg(b)) {
            return Optional.of(SVG);
        }
        return Optional.empty();
    }

    private static boolean looksLikeSvg(byte[] b) {
        int n = Math.min(b.length, 1024);
        String head = new String(b, 0, n, StandardCharsets.ISO_8859_1).stripLeading().toLowerCase(Locale.ROOT);
        if (head.startsWith("\u00ef\u00bb\u00bf")) {
            head = head.substring(3).stripLeading();
        }
        return head.startsWith("<svg") || ((head.startsWith("<?xml") || head.startsWith("<!doctype svg"))
                && head.contains("<svg"));
    }

    private static boolean startsWith(byte[] b, int off, int... prefix) {
        if (b.length < off + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((b[off + i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(byte[] b, int off, String s) {
        if (b.length < off + s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b[off + i] != (byte) s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
