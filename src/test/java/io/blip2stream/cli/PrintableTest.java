package io.blip2stream.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PrintableTest {

    @Test
    void lineBreaksTabsAndControlsBecomeOneSpace() {
        assertThat(Printable.line("a red\ncircle\r\n\ton a\u0000white\u200Bbackground ", 100))
                .isEqualTo("a red circle on a white background");
    }

    @Test
    void replacementCharactersAndLoneSurrogatesAreDropped() {
        assertThat(Printable.line("caf\uFFFD\uFFFDe \uD800x", 100)).isEqualTo("cafe x");
    }

    @Test
    void longTextIsCutWithAnEllipsisAtTheCap() {
        String cut = Printable.line("x".repeat(50), 10);

        assertThat(cut).isEqualTo("xxxxxxxxx…");
        assertThat(cut.codePointCount(0, cut.length())).isEqualTo(10);
        assertThat(Printable.line("x".repeat(10), 10)).isEqualTo("x".repeat(10));
    }

    @Test
    void keepsNonAsciiLettersAndEmoji() {
        assertThat(Printable.line("naïve 猫 🐈", 20)).isEqualTo("naïve 猫 🐈");
    }
}
