package io.blip2stream.ops.live;

/**
 * Text from the stream made fit for the page: at most a given number of code points (an ellipsis
 * marks a cut), with control characters other than newline and tab, and unpaired surrogates,
 * replaced by U+FFFD. The page puts it in text nodes only, never in markup.
 */
final class LiveText {

    static final int MAX_ID = 128;
    static final int MAX_QUESTION = 300;
    static final int MAX_TEXT = 500;
    static final int MAX_ERROR = 300;

    private LiveText() {
    }

    /** {@code text} cut to {@code max} code points and cleaned; null stays null. */
    static String cap(String text, int max) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max + 1));
        int count = 0;
        for (int i = 0; i < text.length(); ) {
            if (count == max) {
                out.append('…');
                break;
            }
            char c = text.charAt(i);
            int cp;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                cp = Character.toCodePoint(c, text.charAt(i + 1));
                i += 2;
            } else {
                cp = Character.isSurrogate(c) ? 0xFFFD : c;
                i++;
            }
            if (Character.isISOControl(cp) && cp != '\n' && cp != '\t') {
                cp = 0xFFFD;
            }
            out.appendCodePoint(cp);
            count++;
        }
        return out.toString();
    }
}
