package io.blip2stream.cli;

/**
 * Text made safe for one terminal line: line breaks, tabs and other control or format characters
 * become spaces, replacement characters (U+FFFD, what undecodable bytes turn into) and unpaired
 * surrogates are dropped, runs of spaces collapse, and the result is capped.
 */
final class Printable {

    private Printable() {
    }

    /** @param maxCodePoints at most this many code points, the last one an ellipsis when cut */
    static String line(String text, int maxCodePoints) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        boolean space = true;   // drops leading spaces and collapses runs
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            if (cp == 0xFFFD || type == Character.SURROGATE || type == Character.UNASSIGNED
                    || type == Character.PRIVATE_USE) {
                continue;
            }
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp) || type == Character.CONTROL
                    || type == Character.FORMAT) {
                if (!space) {
                    sb.append(' ');
                    space = true;
                }
                continue;
            }
            sb.appendCodePoint(cp);
            space = false;
        }
        String out = sb.toString().stripTrailing();
        if (out.codePointCount(0, out.length()) <= maxCodePoints) {
            return out;
        }
        return out.substring(0, out.offsetByCodePoints(0, maxCodePoints - 1)).stripTrailing() + "…";
    }
}
