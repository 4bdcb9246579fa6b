package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.Task;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubmitArgumentsTest {

    @Test
    void captionIsTheDefaultTaskWithoutAQuestion() {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "localhost:9092", "--image", "cat.jpg"));

        assertThat(args.task()).isEqualTo(Task.CAPTION);
        assertThat(args.image()).isEqualTo(Path.of("cat.jpg"));
        assertThat(args.waitForResult()).isFalse();
        assertThat(args.timeout()).isEqualTo(SubmitArguments.DEFAULT_TIMEOUT);
        assertThat(args.id()).isEmpty();
    }

    @Test
    void aQuestionMakesItVqaAndAHistoryMakesItChat() {
        SubmitArguments vqa = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--question", "what is it?"));
        SubmitArguments chat = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--question", "and now?", "--history", "[]"));

        assertThat(vqa.task()).isEqualTo(Task.VQA);
        assertThat(vqa.question()).contains("what is it?");
        assertThat(chat.task()).isEqualTo(Task.CHAT);
        assertThat(chat.history()).contains("[]");
    }

    @Test
    void readsEveryFlag() {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--task", "vqa", "--question", "q", "--options", "{\"num_beams\":3}", "--id", "r-1",
                "--wait", "--timeout-s", "7"));

        assertThat(args.bootstrap()).isEqualTo("b:1");
        assertThat(args.task()).isEqualTo(Task.VQA);
        assertThat(args.options()).contains("{\"num_beams\":3}");
        assertThat(args.id()).contains("r-1");
        assertThat(args.waitForResult()).isTrue();
        assertThat(args.timeout()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void rejectsMissingOrWrongArguments() {
        assertInvalid(List.of("--image", "i.png"), "--bootstrap is required");
        assertInvalid(List.of("--bootstrap", "b:1"), "--image is required");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--task", "vqa"), "--question is required");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--task", "draw"), "--task must be");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--task", "vqa", "--question", "q",
                "--history", "[]"), "--history is only for task chat");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--timeout-s", "soon"), "whole number");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--timeout-s", "0"), "must be > 0");
        assertInvalid(List.of("--bootstrap", "b:1", "--image"), "--image needs a value");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--colour"), "unknown argument '--colour'");
    }

    private static void assertInvalid(List<String> args, String message) {
        assertThatThrownBy(() -> SubmitArguments.parse(args))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.detail()).contains(message);
                });
    }
}
