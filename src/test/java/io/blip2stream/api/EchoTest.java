package io.blip2stream.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class EchoTest {

    @Test
    void shortTextIsKeptAndLongTextIsCutAtACodePointWithinTheLimit() {
        assertThat(Echo.cap("abc", 16)).isEqualTo("abc");
        assertThat(Echo.cap(null, 16)).isNull();
        String cut = Echo.cap("é".repeat(100), 16);
        assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(16);
        assertThat(cut).isEqualTo("é".repeat(6) + "…");
        assertThat(Echo.cap("😀".repeat(10), 16)).isEqualTo("😀".repeat(3) + "…");
    }

    @Test
    void utf8LengthCountsBytes() {
        assertThat(Echo.utf8Length("aé€😀")).isEqualTo(1 + 2 + 3 + 4);
        assertThat(Echo.utf8Length(null)).isZero();
    }

    @Test
    void errorMessagesAreCapped() {
        Blip2Exception e = new Blip2Exception(ErrorCode.INVALID_REQUEST, "x".repeat(5_000_000));
        assertThat(e.detail().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(Echo.MAX_MESSAGE_BYTES);
    }
}
