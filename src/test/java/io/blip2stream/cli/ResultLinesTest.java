package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.blip2stream.api.Task;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ResultLinesTest {

    private static final SubmitRequest CAPTION = new SubmitRequest(Path.of("pics/red_circle.png"), Task.CAPTION, Optional.empty());
    private static final SubmitRequest QUESTION = new SubmitRequest(Path.of("pics/a.png"), Task.VQA,
            Optional.of("what colour\nis the shape?"));
    private final ResultLines lines = new ResultLines(List.of(CAPTION, QUESTION));

    @Test
    void aResultLineShowsProgressImageTaskQuestionAndAnswer() throws Exception {
        JsonNode result = JsonOut.MAPPER.readTree("""
                {"id":"1","task":"vqa","text":"red\\n\\ufffd","timing_ms":{"total":312.0}}""");

        assertThat(lines.result(2, 0.5, QUESTION, result))
                .isEqualTo("[2/2   4.0/s] a.png           vqa     \"what colour is the shape?\"  -> \"red\"  (0.31 s)");
    }

    @Test
    void captionsLineUpWithQuestions() throws Exception {
        JsonNode result = JsonOut.MAPPER.readTree("""
                {"id":"1","task":"caption","text":"a red circle on a white background"}""");

        assertThat(lines.result(1, 2.0, CAPTION, result))
                .isEqualTo("[1/2   0.5/s] red_circle.png  caption                              -> \"a red circle on a white background\"");
    }

    @Test
    void anErrorResultShowsItsCodeIdAndMessage() throws Exception {
        JsonNode result = JsonOut.MAPPER.readTree("""
                {"id":"1","task":"caption","error":{"code":"INVALID_IMAGE","message_id":"BLIP2-1002","message":"not an image"}}""");

        assertThat(lines.result(1, 1.0, CAPTION, result)).endsWith("-> ERROR INVALID_IMAGE (BLIP2-1002): not an image");
    }

    @Test
    void theSummaryCountsResultsErrorsAndRate() {
        assertThat(lines.summary(2, 1, 4.0)).isEqualTo("2 of 2 results in 4.0 s (0.5/s), 1 of them errors");
    }
}
