package io.blip2stream.messaging;

import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.RecordSource;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RequestMapperTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final long NANOS = 5_000_000_000L;
    private static final byte[] IMAGE = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};

    private final RequestMapper mapper = new RequestMapper(new WireCodec(), new RequestLimits(100, 50, 32, 60_000),
            GenerationOptions.greedy(20));

    private static IncomingRecord image(String key, byte[] value, String... headers) {
        return record("blip2.images", key, value, headers);
    }

    private static IncomingRecord question(String json, String... headers) {
        return record("blip2.questions", null, json.getBytes(StandardCharsets.UTF_8), headers);
    }

    private static IncomingRecord record(String topic, String key, byte[] value, String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new IncomingRecord(new RecordSource(topic, 1, 42), NOW - 1_000,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), h, value);
    }

    private static ServiceRequest accepted(Mapped m) {
        assertThat(m).isInstanceOf(Mapped.Accepted.class);
        return ((Mapped.Accepted) m).request();
    }

    private static Mapped.Rejected rejected(Mapped m, ErrorCode code) {
        assertThat(m).isInstanceOfSatisfying(Mapped.Rejected.class, r -> assertThat(r.error().code()).isEqualTo(code));
        return (Mapped.Rejected) m;
    }

    @Test
    void idComesFromBlip2IdThenCeIdThenKeyThenCoordinates() {
        assertThat(RequestMapper.recordId(image("k", IMAGE, WireHeaders.ID, "a", WireHeaders.CE_ID, "b"))).isEqualTo("a");
        assertThat(RequestMapper.recordId(image("k", IMAGE, WireHeaders.CE_ID, "b"))).isEqualTo("b");
        assertThat(RequestMapper.recordId(image("k", IMAGE))).isEqualTo("k");
        assertThat(RequestMapper.recordId(image(null, IMAGE))).isEqualTo("blip2.images-1-42");
        assertThat(RequestMapper.recordId(image("", IMAGE, WireHeaders.ID, " "))).isEqualTo("blip2.images-1-42");
    }

    @Test
    void anImageRecordIsACaptionByDefault() {
        ServiceRequest r = accepted(mapper.fromImage(image("k", IMAGE), NOW, NANOS));

        assertThat(r.id()).isEqualTo("k");
        assertThat(r.task()).isEqualTo(Task.CAPTION);
        assertThat(r.prompt()).isEqualTo(new Prompt.Caption());
        assertThat(r.options()).isEqualTo(GenerationOptions.greedy(20));
        assertThat(r.image()).isEqualTo(IMAGE);
        assertThat(r.returnTokenIds()).isFalse();
        // the record is 1 s old: 59 s are left of the 60 s deadline
        assertThat(r.deadlineNanos()).isEqualTo(NANOS + 59_000_000_000L);
    }

    @Test
    void imageHeadersSetTaskQuestionAndOptions() {
        ServiceRequest r = accepted(mapper.fromImage(image("k", IMAGE, WireHeaders.TASK, "vqa",
                WireHeaders.QUESTION, "what?", WireHeaders.OPTIONS, "{\"max_new_tokens\":5,\"return_token_ids\":true}"),
                NOW, NANOS));

        assertThat(r.task()).isEqualTo(Task.VQA);
        assertThat(r.prompt()).isEqualTo(new Prompt.Vqa("what?"));
        assertThat(r.options().maxNewTokens()).isEqualTo(5);
        assertThat(r.returnTokenIds()).isTrue();
    }

    @Test
    void imageRecordErrorsKeepTheIdAndTheBestKnownTask() {
        Mapped.Rejected noQuestion = rejected(mapper.fromImage(image("k", IMAGE, WireHeaders.TASK, "vqa"), NOW, NANOS),
                ErrorCode.INVALID_REQUEST);
        assertThat(noQuestion.id()).isEqualTo("k");
        assertThat(noQuestion.task()).isEqualTo(Task.VQA);

        Mapped.Rejected badTask = rejected(mapper.fromImage(image("k", IMAGE, WireHeaders.TASK, "poem"), NOW, NANOS),
                ErrorCode.INVALID_REQUEST);
        assertThat(badTask.task()).isEqualTo(Task.CAPTION);

        rejected(mapper.fromImage(image("k", new byte[0]), NOW, NANOS), ErrorCode.INVALID_IMAGE);
        rejected(mapper.fromImage(image("k", null), NOW, NANOS), ErrorCode.INVALID_IMAGE);
        rejected(mapper.fromImage(image("k", IMAGE, WireHeaders.OPTIONS, "{\"num_beams\":0}"), NOW, NANOS),
                ErrorCode.INVALID_REQUEST);
    }

    @Test
    void limitsAreCheckedWithTheLimitReported() {
        Mapped.Rejected big = rejected(mapper.fromImage(image("k", new byte[101]), NOW, NANOS), ErrorCode.IMAGE_TOO_LARGE);
        assertThat(big.error().limit()).hasValue(100);

        Mapped.Rejected tokens = rejected(mapper.fromImage(image("k", IMAGE, WireHeaders.OPTIONS,
                "{\"max_new_tokens\":33}"), NOW, NANOS), ErrorCode.INVALID_REQUEST);
        assertThat(tokens.error().limit()).hasValue(32);

        Mapped.Rejected prompt = rejected(mapper.fromImage(image("k", IMAGE, WireHeaders.TASK, "vqa",
                WireHeaders.QUESTION, "x".repeat(51)), NOW, NANOS), ErrorCode.PROMPT_TOO_LONG);
        assertThat(prompt.error().limit()).hasValue(50);
    }

    @Test
    void aRecordOlderThanTheDeadlineIsRejectedAtOnce() {
        IncomingRecord old = new IncomingRecord(new RecordSource("blip2.images", 0, 1), NOW - 60_000, null,
                new RecordHeaders(), IMAGE);

        Mapped.Rejected r = rejected(mapper.fromImage(old, NOW, NANOS), ErrorCode.DEADLINE_EXCEEDED);

        assertThat(r.error().limit()).hasValue(60_000);
    }

    @Test
    void aRecordFromTheFutureCountsFromArrival() {
        IncomingRecord future = new IncomingRecord(new RecordSource("blip2.images", 0, 1), NOW + 3_600_000, null,
                new RecordHeaders(), IMAGE);

        assertThat(accepted(mapper.fromImage(future, NOW, NANOS)).deadlineNanos()).isEqualTo(NANOS + 60_000_000_000L);
    }

    @Test
    void questionsMapToTheirPrompts() {
        String b64 = Base64.getEncoder().encodeToString(IMAGE);
        ServiceRequest vqa = accepted(mapper.fromQuestion(question(
                "{\"id\":\"q1\",\"question\":\"what?\",\"image\":{\"base64\":\"" + b64 + "\"}}"), NOW, NANOS));
        assertThat(vqa.id()).isEqualTo("q1");
        assertThat(vqa.task()).isEqualTo(Task.VQA);
        assertThat(vqa.prompt()).isEqualTo(new Prompt.Vqa("what?"));
        assertThat(vqa.image()).isEqualTo(IMAGE);

        ServiceRequest chat = accepted(mapper.fromQuestion(question("{\"task\":\"chat\",\"question\":\"and?\","
                + "\"history\":[{\"question\":\"a\",\"answer\":\"b\"}],\"image\":{\"base64\":\"" + b64 + "\"}}",
                WireHeaders.ID, "from-header"), NOW, NANOS));
        assertThat(chat.id()).isEqualTo("from-header");
        assertThat(chat.prompt()).isEqualTo(new Prompt.Chat(List.of(new Prompt.Turn("a", "b")), "and?"));

        ServiceRequest raw = accepted(mapper.fromQuestion(question(
                "{\"prompt\":\"Question: x Answer:\",\"image\":{\"url\":\"file:a.png\"}}"), NOW, NANOS));
        assertThat(raw.prompt()).isEqualTo(new Prompt.Raw("Question: x Answer:"));
        assertThat(raw.needsFetch()).isTrue();
        assertThat(raw.imageUrl()).isEqualTo("file:a.png");

        ServiceRequest caption = accepted(mapper.fromQuestion(question(
                "{\"task\":\"caption\",\"image\":{\"base64\":\"" + b64 + "\"}}"), NOW, NANOS));
        assertThat(caption.prompt()).isEqualTo(new Prompt.Caption());
    }

    @Test
    void malformedQuestionsAreInvalidRequestsWithTheRecordId() {
        Mapped.Rejected json = rejected(mapper.fromQuestion(question("{oops", WireHeaders.CE_ID, "ce-1"), NOW, NANOS),
                ErrorCode.INVALID_REQUEST);
        assertThat(json.id()).isEqualTo("ce-1");
        assertThat(json.task()).isEqualTo(Task.VQA);

        rejected(mapper.fromQuestion(question("{\"question\":\"q\"}"), NOW, NANOS), ErrorCode.INVALID_REQUEST);
        rejected(mapper.fromQuestion(question("{\"question\":\"q\",\"image\":{\"base64\":\"AA\",\"url\":\"file:x\"}}"),
                NOW, NANOS), ErrorCode.INVALID_REQUEST);
        rejected(mapper.fromQuestion(question("{\"question\":\"q\",\"image\":{\"base64\":\"!!not base64!!\"}}"),
                NOW, NANOS), ErrorCode.INVALID_REQUEST);
        Mapped.Rejected noQuestion = rejected(mapper.fromQuestion(question(
                "{\"id\":\"q9\",\"task\":\"chat\",\"image\":{\"base64\":\"AAAA\"}}"), NOW, NANOS), ErrorCode.INVALID_REQUEST);
        assertThat(noQuestion.id()).isEqualTo("q9");
        assertThat(noQuestion.task()).isEqualTo(Task.CHAT);
        rejected(mapper.fromQuestion(question("{\"task\":\"chat\",\"question\":\"q\",\"history\":[{\"question\":\"a\"}],"
                + "\"image\":{\"base64\":\"AAAA\"}}"), NOW, NANOS), ErrorCode.INVALID_REQUEST);
    }

    @Test
    void theWholeChatCountsTowardsThePromptLimit() {
        String history = "{\"question\":\"" + "q".repeat(20) + "\",\"answer\":\"" + "a".repeat(20) + "\"}";
        Mapped m = mapper.fromQuestion(question("{\"task\":\"chat\",\"question\":\"" + "x".repeat(11) + "\","
                + "\"history\":[" + history + "],\"image\":{\"base64\":\"AAAA\"}}"), NOW, NANOS);

        assertThat(rejected(m, ErrorCode.PROMPT_TOO_LONG).error().limit()).hasValue(50);
    }

    private static String chat(int turns, String question, String answer) {
        String turn = "{\"question\":\"" + question + "\",\"answer\":\"" + answer + "\"}";
        return "{\"task\":\"chat\",\"question\":\"q\",\"history\":["
                + String.join(",", java.util.Collections.nCopies(turns, turn)) + "],\"image\":{\"base64\":\"AAAA\"}}";
    }

    @Test
    void tooManyChatTurnsArePromptTooLongBeforeTheyAreTokenised() {
        RequestMapper big = new RequestMapper(new WireCodec(), new RequestLimits(100, 2000, 32, 60_000),
                GenerationOptions.greedy(20));

        Mapped.Rejected r = rejected(big.fromQuestion(question(chat(150_000, "", "")), NOW, NANOS),
                ErrorCode.PROMPT_TOO_LONG);
        assertThat(r.error().limit()).hasValue(RequestLimits.DEFAULT_MAX_TURNS);
        accepted(big.fromQuestion(question(chat(RequestLimits.DEFAULT_MAX_TURNS, "a", "b")), NOW, NANOS));
    }

    @Test
    void everyTurnCountsItsTemplateCharactersTowardsThePromptLimit() {
        // 5 empty turns: no question or answer characters, but 5 x 32 template characters over a limit of 50
        Mapped.Rejected r = rejected(mapper.fromQuestion(question(chat(5, "", "")), NOW, NANOS),
                ErrorCode.PROMPT_TOO_LONG);
        assertThat(r.error().limit()).hasValue(50);
        accepted(mapper.fromQuestion(question(chat(1, "", "")), NOW, NANOS));
    }
}
