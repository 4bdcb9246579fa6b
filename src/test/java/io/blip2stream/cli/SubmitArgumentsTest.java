package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubmitArgumentsTest {

    private static final Path IMAGE = Path.of("i.png");

    @Test
    void captionIsTheDefaultTaskWithoutAQuestion() {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "localhost:9092", "--image", "cat.jpg"));

        assertThat(args.requests(List.of(Path.of("cat.jpg"))))
                .containsExactly(new SubmitRequest(Path.of("cat.jpg"), Task.CAPTION, Optional.empty()));
        assertThat(args.images()).containsExactly(Path.of("cat.jpg"));
        assertThat(args.waitForResult()).isFalse();
        assertThat(args.timeout()).isEqualTo(SubmitArguments.DEFAULT_TIMEOUT);
        assertThat(args.format()).isEqualTo(SubmitArguments.Format.JSON);
        assertThat(args.maxInFlight()).isEqualTo(SubmitArguments.DEFAULT_MAX_IN_FLIGHT);
        assertThat(args.id()).isEmpty();
    }

    @Test
    void aQuestionMakesItVqaAndAHistoryMakesItChat() {
        SubmitArguments vqa = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--question", "what is it?"));
        SubmitArguments chat = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--question", "and now?", "--history", "[]"));

        assertThat(vqa.requests(List.of(IMAGE))).containsExactly(new SubmitRequest(IMAGE, Task.VQA, Optional.of("what is it?")));
        assertThat(chat.requests(List.of(IMAGE))).containsExactly(new SubmitRequest(IMAGE, Task.CHAT, Optional.of("and now?")));
        assertThat(chat.history()).contains("[]");
    }

    @Test
    void everyImageGetsItsCaptionAndEachQuestionInOrder() {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--dir", "pics", "--caption",
                "--question", "what colour is the shape?", "--question", "how many shapes are there?"));
        Path a = Path.of("pics/a.png");
        Path b = Path.of("pics/b.png");

        assertThat(args.requests(List.of(a, b))).containsExactly(
                new SubmitRequest(a, Task.CAPTION, Optional.empty()),
                new SubmitRequest(a, Task.VQA, Optional.of("what colour is the shape?")),
                new SubmitRequest(a, Task.VQA, Optional.of("how many shapes are there?")),
                new SubmitRequest(b, Task.CAPTION, Optional.empty()),
                new SubmitRequest(b, Task.VQA, Optional.of("what colour is the shape?")),
                new SubmitRequest(b, Task.VQA, Optional.of("how many shapes are there?")));
    }

    @Test
    void imageFilesAreTheImagesThenEachDirectorysFilesSortedOnceEach(@TempDir Path dir) throws IOException {
        Path pics = Files.createDirectory(dir.resolve("pics"));
        Path b = Files.write(pics.resolve("b.png"), new byte[]{1});
        Path a = Files.write(pics.resolve("a.png"), new byte[]{1});
        Files.write(pics.resolve(".hidden"), new byte[]{1});
        Files.createDirectory(pics.resolve("sub"));
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", b.toString(),
                "--dir", pics.toString()));

        assertThat(args.imageFiles()).containsExactly(b, a);
    }

    @Test
    void missingFilesAndDirectoriesAreNamed(@TempDir Path dir) {
        Path none = dir.resolve("none.png");
        SubmitArguments file = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", none.toString()));
        SubmitArguments folder = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--dir", dir.resolve("nowhere").toString()));
        SubmitArguments empty = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--dir", dir.toString()));

        assertThatThrownBy(file::imageFiles).hasMessageEndingWith("no such file: " + none);
        assertThatThrownBy(folder::imageFiles).hasMessageEndingWith("no such directory: " + dir.resolve("nowhere"));
        assertThatThrownBy(empty::imageFiles).hasMessageEndingWith("no files in directory " + dir);
    }

    @Test
    void readsEveryFlag() {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--task", "vqa", "--question", "q", "--options", "{\"num_beams\":3}", "--id", "r-1",
                "--wait", "--timeout-s", "7", "--format", "text", "--max-in-flight", "5"));

        assertThat(args.bootstrap()).isEqualTo("b:1");
        assertThat(args.task()).contains(Task.VQA);
        assertThat(args.options()).contains("{\"num_beams\":3}");
        assertThat(args.id()).contains("r-1");
        assertThat(args.waitForResult()).isTrue();
        assertThat(args.timeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(args.format()).isEqualTo(SubmitArguments.Format.TEXT);
        assertThat(args.maxInFlight()).isEqualTo(5);
    }

    @Test
    void rejectsMissingOrWrongArguments() {
        assertInvalid(List.of("--image", "i.png"), "--bootstrap is required");
        assertInvalid(List.of("--bootstrap", "b:1"), "--image or --dir is required");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--task", "vqa"), "--question is required");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--task", "draw"), "--task must be");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--task", "vqa", "--question", "q",
                "--history", "[]"), "--history is only for task chat");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--history", "[]"), "--history needs a --question");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--timeout-s", "soon"), "must be an integer");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--timeout-s", "0"), "--timeout-s 0 is below the minimum 1");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--max-in-flight", "0"),
                "--max-in-flight 0 is below the minimum 1");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--format", "xml"), "--format must be json or text");
        assertInvalid(List.of("--bootstrap", "b:1", "--image"), "--image needs a value");
        assertInvalid(List.of("--bootstrap", "b:1", "--image", "i.png", "--colour"), "unknown option '--colour'");
    }

    @Test
    void anIdNamesOneRequestOnly() {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png", "--id", "r-1",
                "--caption", "--question", "q"));

        assertThatThrownBy(() -> args.requests(List.of(IMAGE)))
                .isInstanceOf(Blip2Exception.class).hasMessageContaining("--id names one request, but this submit makes 2");
    }

    private static void assertInvalid(List<String> args, String message) {
        assertThatThrownBy(() -> SubmitArguments.parse(args))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.detail()).contains(message);
                });
    }
}
