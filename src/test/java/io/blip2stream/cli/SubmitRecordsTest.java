package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubmitRecordsTest {

    private static final byte[] IMAGE = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2};
    private static final WireTopics TOPICS = new WireTopics("in.img", "in.q", "out.cap", "out.ans");

    private final ObjectMapper json = new ObjectMapper();
    private final SubmitRecords records = new SubmitRecords(TOPICS);

    @Test
    void captionGoesToTheImagesTopicAsRawBytesWithHeaders() {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--options", "{\"max_new_tokens\": 5}"));

        ProducerRecord<byte[], byte[]> record = records.build(args, "req-1", IMAGE);

        assertThat(record.topic()).isEqualTo("in.img");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("req-1");
        assertThat(record.value()).isEqualTo(IMAGE);
        assertThat(headers(record)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "blip2-id", "req-1",
                "blip2-task", "caption",
                "blip2-options", "{\"max_new_tokens\":5}"));
        assertThat(TOPICS.resultTopic(args.requests(List.of(Path.of("i.png"))).getFirst().task())).isEqualTo("out.cap");
    }

    @Test
    void vqaGoesToTheQuestionsTopicAsJsonWithTheImageInline() throws Exception {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--question", "what colour?", "--options", "{\"num_beams\": 2}"));

        ProducerRecord<byte[], byte[]> record = records.build(args, "req-2", IMAGE);
        JsonNode value = json.readTree(record.value());

        assertThat(record.topic()).isEqualTo("in.q");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("req-2");
        assertThat(value.path("id").asText()).isEqualTo("req-2");
        assertThat(value.path("task").asText()).isEqualTo("vqa");
        assertThat(value.path("question").asText()).isEqualTo("what colour?");
        assertThat(Base64.getDecoder().decode(value.path("image").path("base64").asText())).isEqualTo(IMAGE);
        assertThat(value.path("options").path("num_beams").asInt()).isEqualTo(2);
        assertThat(value.path("history")).isEmpty();
        assertThat(TOPICS.resultTopic(args.questionTask())).isEqualTo("out.ans");
    }

    @Test
    void chatCarriesItsHistory() throws Exception {
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--question", "and the sky?", "--history", "[{\"question\":\"what is it?\",\"answer\":\"a dog\"}]"));

        JsonNode value = json.readTree(records.build(args, "req-3", IMAGE).value());

        assertThat(value.path("task").asText()).isEqualTo("chat");
        assertThat(value.path("history")).hasSize(1);
        assertThat(value.path("history").get(0).path("answer").asText()).isEqualTo("a dog");
    }

    @Test
    void rejectsMalformedJsonArguments() {
        SubmitArguments badOptions = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--options", "[1, 2]"));
        SubmitArguments badHistory = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--question", "q", "--history", "[{\"question\":\"only\"}]"));
        SubmitArguments notJson = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--options", "{num_beams"));

        assertThatThrownBy(() -> records.build(badOptions, "x", IMAGE))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.detail()).contains("options");
                });
        assertThatThrownBy(() -> records.build(badHistory, "x", IMAGE))
                .isInstanceOf(Blip2Exception.class).hasMessageContaining("--history must be a JSON array");
        assertThatThrownBy(() -> records.build(notJson, "x", IMAGE))
                .isInstanceOf(Blip2Exception.class).hasMessageContaining("options is not valid JSON");
    }

    @Test
    void aMisspeltOptionFailsBeforeAnythingIsSent() {
        SubmitArguments misspelt = SubmitArguments.parse(List.of("--bootstrap", "b:1", "--image", "i.png",
                "--options", "{\"num_beam\": 2}"));

        assertThatThrownBy(() -> records.build(misspelt, "x", IMAGE))
                .isInstanceOfSatisfying(Blip2Exception.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST))
                .hasMessageContaining("num_beam");
    }

    private static Map<String, String> headers(ProducerRecord<byte[], byte[]> record) {
        return StreamSupport.stream(record.headers().spliterator(), false)
                .collect(Collectors.toMap(Header::key, h -> new String(h.value(), StandardCharsets.UTF_8)));
    }
}
