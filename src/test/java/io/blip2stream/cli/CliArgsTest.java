package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CliArgsTest {

    @Test
    void promptsBelongToThePrecedingImage() {
        CliArgs a = CliArgs.parse(List.of("--bundle", "b", "--image", "x.png", "--prompt", "Question: hi Answer:",
                "--image", "y.png", "--num-beams=3"), InferCommand.FLAGS, InferCommand.VALUED);
        assertThat(InferCommand.items(a)).containsExactly(
                new InferCommand.Item("x.png", "Question: hi Answer:"), new InferCommand.Item("y.png", null));
        assertThat(a.getInt("--num-beams", 1)).isEqualTo(3);
    }

    @Test
    void unknownOptionsAndMissingValuesAreInvalidRequests() {
        assertThatThrownBy(() -> CliArgs.parse(List.of("--nope"), InferCommand.FLAGS, InferCommand.VALUED))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .hasMessageContaining("--nope");
        assertThatThrownBy(() -> CliArgs.parse(List.of("--image"), InferCommand.FLAGS, InferCommand.VALUED))
                .hasMessageContaining("needs a value");
    }

    @Test
    void aPromptWithoutAnImageIsRejected() {
        CliArgs a = CliArgs.parse(List.of("--prompt", "x"), InferCommand.FLAGS, InferCommand.VALUED);
        assertThatThrownBy(() -> InferCommand.items(a)).hasMessageContaining("--prompt must follow an --image");
    }

    @Test
    void percentileIsNearestRank() {
        double[] v = {10, 20, 30, 40};
        assertThat(BenchCommand.percentile(v, 50)).isEqualTo(20);
        assertThat(BenchCommand.percentile(v, 95)).isEqualTo(40);
    }
}
