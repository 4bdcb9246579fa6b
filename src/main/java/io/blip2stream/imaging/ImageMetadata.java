package io.blip2stream.imaging;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * What the container around the pixels says, read from the raw bytes the way PIL reads it: the
 * EXIF orientation ({@code Image.getexif()}: the EXIF block, else an XMP {@code tiff:Orientation})
 * and, for JPEG, what libjpeg needs to know the stored colour space.
 *
 * @param orientation     EXIF orientation 1..8 (1 when absent or unreadable)
 * @param jpegComponents  JPEG frame component count (0 when not a JPEG or not found)
 * @param jpegComponentIds JPEG frame component ids, in frame order
 * @param jfif            a JFIF APP0 marker is present
 * @param adobeTransform  the Adobe APP14 transform flag, -1 when there is no Adobe marker
 * @param jpegSampling    JPEG frame sampling factors per component, in frame order, as
 *                        {@code horizontal << 4 | vertical}
 * @param inflatedBytes   bytes inflated from compressed metadata chunks (PNG zTXt / iTXt)
 */
record ImageMetadata(int orientation, int jpegComponents, int[] jpegComponentIds, boolean jfif,
                     int adobeTransform, int[] jpegSampling, long inflatedBytes) {

    private static final int ORIENTATION_TAG = 0x0112;
    private static final Pattern XMP_ORIENTATION = Pattern.compile("tiff:Orientation(=\"|>)([0-9])");
    private static final ImageMetadata NONE = new ImageMetadata(1, 0, new int[0], false, -1, new int[0], 0);

    /** Reads the metadata of an image of the given format within the default inflation budget; never throws. */
    static ImageMetadata read(byte[] b, ImageFormat format) {
        return read(b, format, ImageLimits.DEFAULT_MAX_METADATA_BYTES);
    }

    /**
     * Reads the metadata of an image of the given format; never throws.
     *
     * @param inflateBudget most bytes inflated from compressed metadata, all chunks of the image
     *                      together; chunks past it are ignored
     */
    static ImageMetadata read(byte[] b, ImageFormat format, long inflateBudget) {
        try {
            return switch (format) {
                case JPEG -> jpeg(b);
                case PNG -> png(b, new Budget(inflateBudget));
                case WEBP -> webp(b);
                default -> NONE;
            };
        } catch (RuntimeException malformed) {
            return NONE;
        }
    }

    private static ImageMetadata jpeg(byte[] b) {
        byte[] exif = null;
        byte[] xmp = null;
        boolean jfif = false;
        int adobe = -1;
        int components = 0;
        int[] ids = new int[0];
        int[] sampling = new int[0];
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                p++;
                continue;
            }
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xFF || marker == 0x00) {
                p++;
                continue;
            }
            if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
                p += 2;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                break;
            }
            int len = u16be(b, p + 2);
            int s = p + 4;
            int e = Math.min(p + 2 + len, b.length);
            if (len < 2) {
                break;
            }
            if (marker == 0xE0 && startsWith(b, s, e, "JFIF\0")) {
                jfif = true;
            } else if (marker == 0xE1 && startsWith(b, s, e, "Exif\0\0") && exif == null) {
                exif = slice(b, s + 6, e);
            } else if (marker == 0xE1 && startsWith(b, s, e, "http://ns.adobe.com/xap/1.0/\0")) {
                xmp = slice(b, s + 29, e);
            } else if (marker == 0xEE && startsWith(b, s, e, "Adobe") && e - s >= 12) {
                adobe = b[s + 11] & 0xFF;
            } else if (isSof(marker) && e - s >= 6) {
                components = b[s + 5] & 0xFF;
                ids = new int[Math.min(components, (e - s - 6) / 3)];
                sampling = new int[ids.length];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = b[s + 6 + 3 * i] & 0xFF;
                    sampling[i] = b[s + 7 + 3 * i] & 0xFF;
                }
            }
            p = p + 2 + len;
        }
        return new ImageMetadata(orientation(exif, xmp), components, ids, jfif, adobe, sampling, 0);
    }

    /** What is left of an image's inflation budget. */
    private static final class Budget {
        private long left;
        private long used;

        Budget(long bytes) {
            this.left = bytes;
        }
    }

    private static ImageMetadata png(byte[] b, Budget budget) {
        byte[] exif = null;
        byte[] rawProfile = null;
        byte[] xmp = null;
        int p = 8;
        while (p + 8 <= b.length) {
            long len = u32be(b, p);
            String type = new String(b, p + 4, 4, StandardCharsets.ISO_8859_1);
            int s = p + 8;
            if (s + len > b.length) {
                break;
            }
            int e = (int) (s + len);
            switch (type) {
                case "eXIf" -> exif = slice(b, s, e);
                case "iTXt" -> {
                    byte[] x = itxt(b, s, e, "XML:com.adobe.xmp", budget);
                    if (x != null) {
                        xmp = x;
                    }
                    byte[] r = itxt(b, s, e, "Raw profile type exif", budget);
                    if (r != null) {
                        rawProfile = r;
                    }
                }
                case "tEXt" -> {
                    byte[] r = text(b, s, e, "Raw profile type exif", false, budget);
                    if (r != null) {
                        rawProfile = r;
                    }
                }
                case "zTXt" -> {
                    byte[] r = text(b, s, e, "Raw profile type exif", true, budget);
                    if (r != null) {
                        rawProfile = r;
                    }
                }
                default -> {
                }
            }
            if (type.equals("IEND")) {
                break;
            }
            p = e + 4;
        }
        if (exif == null && rawProfile != null) {
            exif = fromRawProfile(rawProfile);
        }
        return new ImageMetadata(orientation(exif, xmp), 0, new int[0], false, -1, new int[0], budget.used);
    }

    private static ImageMetadata webp(byte[] b) {
        byte[] exif = null;
        byte[] xmp = null;
        int p = 12;
        while (p + 8 <= b.length) {
            String type = new String(b, p, 4, StandardCharsets.ISO_8859_1);
            long len = u32le(b, p + 4);
            int s = p + 8;
            if (s + len > b.length) {
                break;
            }
            int e = (int) (s + len);
            if (type.equals("EXIF") && exif == null) {
                exif = slice(b, s, e);
            } else if (type.equals("XMP ") && xmp == null) {
                xmp = slice(b, s, e);
            }
            p = e + (int) (len & 1);
        }
        return new ImageMetadata(orientation(exif, xmp), 0, new int[0], false, -1, new int[0], 0);
    }

    /** PIL: the EXIF IFD0 orientation if the tag is there, else an XMP tiff:Orientation. */
    static int orientation(byte[] exif, byte[] xmp) {
        Integer fromExif = exif == null ? null : exifOrientation(exif);
        if (fromExif != null) {
            return fromExif;
        }
        if (xmp != null) {
            Matcher m = XMP_ORIENTATION.matcher(new String(xmp, StandardCharsets.ISO_8859_1));
            if (m.find()) {
                return Integer.parseInt(m.group(2));
            }
        }
        return 1;
    }

    /** The orientation tag of a TIFF-structured EXIF block's first IFD, or null when absent. */
    static Integer exifOrientation(byte[] d) {
        int base = startsWith(d, 0, d.length, "Exif\0\0") ? 6 : 0;
        if (d.length < base + 8) {
            return null;
        }
        boolean le;
        if (d[base] == 'I' && d[base + 1] == 'I') {
            le = true;
        } else if (d[base] == 'M' && d[base + 1] == 'M') {
            le = false;
        } else {
            return null;
        }
        long ifd = base + u32(d, base + 4, le);
        if (ifd + 2 > d.length) {
            return null;
        }
        int n = u16(d, (int) ifd, le);
        for (int i = 0; i < n; i++) {
            int entry = (int) ifd + 2 + 12 * i;
            if (entry + 12 > d.length) {
                return null;
            }
            if (u16(d, entry, le) != ORIENTATION_TAG) {
                continue;
            }
            int type = u16(d, entry + 2, le);
            long count = u32(d, entry + 4, le);
            if (count != 1) {
                return null;
            }
            return switch (type) {
                case 1, 7 -> d[entry + 8] & 0xFF;     // BYTE, UNDEFINED
                case 3 -> u16(d, entry + 8, le);       // SHORT
                case 4 -> (int) u32(d, entry + 8, le); // LONG
                default -> null;
            };
        }
        return null;
    }

    private static byte[] fromRawProfile(byte[] text) {
        // "\nexif\n    1234\n<hex lines>": PIL drops the first three lines and reads the rest as hex
        String[] lines = new String(text, StandardCharsets.ISO_8859_1).split("\n", -1);
        StringBuilder hex = new StringBuilder();
        for (int i = 3; i < lines.length; i++) {
            hex.append(lines[i].strip());
        }
        try {
            return HexFormat.of().parseHex(hex.toString());
        } catch (IllegalArgumentException bad) {
            return null;
        }
    }

    /** An iTXt chunk's text when its keyword matches (compressed or not), else null. */
    private static byte[] itxt(byte[] b, int s, int e, String keyword, Budget budget) {
        int k = indexOf0(b, s, e);
        if (k < 0 || !new String(b, s, k - s, StandardCharsets.ISO_8859_1).equals(keyword) || k + 3 > e) {
            return null;
        }
        boolean compressed = b[k + 1] != 0;
        int lang = indexOf0(b, k + 3, e);
        int translated = lang < 0 ? -1 : indexOf0(b, lang + 1, e);
        if (translated < 0) {
            return null;
        }
        byte[] body = slice(b, translated + 1, e);
        return compressed ? inflate(body, budget) : body;
    }

    /** A tEXt / zTXt chunk's text when its keyword matches, else null. */
    private static byte[] text(byte[] b, int s, int e, String keyword, boolean compressed, Budget budget) {
        int k = indexOf0(b, s, e);
        if (k < 0 || !new String(b, s, k - s, StandardCharsets.ISO_8859_1).equals(keyword)) {
            return null;
        }
        return compressed ? inflate(slice(b, k + 2, e), budget) : slice(b, k + 1, e);
    }

    /**
     * Inflates one chunk within what is left of the image's budget: null (the chunk ignored) when
     * the budget is spent or the chunk would pass it.
     */
    private static byte[] inflate(byte[] data, Budget budget) {
        if (budget.left <= 0) {
            return null;
        }
        Inflater inf = new Inflater();
        try {
            inf.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf, 0, (int) Math.min(buf.length, budget.left + 1));
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                out.write(buf, 0, n);
                budget.left -= n;
                budget.used += n;
                if (budget.left < 0) {
                    return null;
                }
            }
            return out.toByteArray();
        } catch (DataFormatException bad) {
            return null;
        } finally {
            inf.end();
        }
    }

    private static boolean isSof(int m) {
        return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    }

    private static int indexOf0(byte[] b, int s, int e) {
        for (int i = s; i < e; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] b, int s, int e, String prefix) {
        if (e - s < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (b[s + i] != (byte) prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] slice(byte[] b, int s, int e) {
        return java.util.Arrays.copyOfRange(b, Math.min(s, e), e);
    }

    private static int u16be(byte[] b, int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private static long u32be(byte[] b, int p) {
        return ((long) (b[p] & 0xFF) << 24) | ((b[p + 1] & 0xFF) << 16) | ((b[p + 2] & 0xFF) << 8) | (b[p + 3] & 0xFF);
    }

    private static long u32le(byte[] b, int p) {
        return ((long) (b[p + 3] & 0xFF) << 24) | ((b[p + 2] & 0xFF) << 16) | ((b[p + 1] & 0xFF) << 8) | (b[p] & 0xFF);
    }

    private static int u16(byte[] b, int p, boolean le) {
        return le ? ((b[p + 1] & 0xFF) << 8) | (b[p] & 0xFF) : u16be(b, p);
    }

    private static long u32(byte[] b, int p, boolean le) {
        return le ? u32le(b, p) : u32be(b, p);
    }
}
