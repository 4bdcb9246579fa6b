package io.blip2stream.api;

import java.nio.charset.StandardCharsets;

/**
 * Caps text a request controls before it is echoed into a result, a header or a log line, so
 * that no record can make an output larger than it is allowed to be.
 */
public final class Echo {

    /** Most UTF-8 bytes of an error message (results, dead-letter reasons, log lines). */
    public static final int MAX_MESSAGE_BYTES = 1024;
    /** Most UTF-8 bytes of a task name echoed in an error message. */
    public static final int MAX_TASK_BYTES = 16;

    private static final String CUT = "…";
    private static final int CUT_BYTES = 3;

    private Echo() {
    }

    /**
     * {@code s} itself when its UTF-8 form has at most {@code maxBytes} bytes, else its longest
     * prefix (whole code points) that fits together with a closing "…". Null stays null.
     */
    public static String cap(String s, int maxBytes) {
        if (s == null || s.length() <= maxBytes / 3) {
            return s; // a UTF-16 unit is at most 3 UTF-8 bytes
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length <= maxBytes) {
            return s;
        }
        int end = Math.max(0, maxBytes - CUT_BYTES);
        while (end > 0 && (b[end] & 0xC0) == 0x80) {
            end--; // never cut inside a code point
        }
        return new String(b, 0, end, StandardCharsets.UTF_8) + CUT;
    }

    /** The length of {@code s} in UTF-8 bytes (0 for null). */
    public static int utf8Length(String s) {
        if (s == null) {
            return 0;
        }
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
