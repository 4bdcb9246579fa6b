package io.blip2stream.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WireCodecTest {

    private final WireCodec codec = new WireCodec();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void decodesAFullQuestion() {
        QuestionRequest q = codec.decodeQuestion(utf8("""
                {"id":"q1","task":"chat","question":"and now?","history":[{"question":"what?","answer":"a cat"}],
                 "image":{"url":"file:cat.png"},"options":{"max_new_tokens":5,"num_beams":2,"return_token_ids":true}}
                """));

        assertThat(q.id()).isEqualTo("q1");
        assertThat(q.taskOrDefault()).isEqualTo(Task.CHAT);
        assertThat(q.history()).containsExactly(new ChatTurn("what?", "a cat"));
        assertThat(q.image()).isEqualTo(new ImageRef(null, "file:cat.png"));
        assertThat(q.options().maxNewTokens()).isEqualTo(5);
        assertThat(q.options().numBeams()).isEqualTo(2);
        assertThat(q.options().wantsTokenIds()).isTrue();
    }

    @Test
    void minimalQuestionDefaultsToVqaWithNoOptions() {
        QuestionRequest q = codec.decodeQuestion(utf8("{\"question\":\"what?\",\"image\":{\"base64\":\"AAAA\"}}"));

        assertThat(q.taskOrDefault()).isEqualTo(Task.VQA);
        assertThat(q.history()).isEmpty();
        assertThat(q.optionsOrNone()).isEqualTo(GenerationOverrides.NONE);
    }

    @Test
    void unknownFieldIsInvalidRequestNamingTheField() {
        assertThatThrownBy(() -> codec.decodeQuestion(utf8("{\"question\":\"q\",\"options\":{\"max_tokens\":3}}")))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("max_tokens").contains("options");
                });
    }

    @Test
    void unknownTaskIsInvalidRequest() {
        assertThatThrownBy(() -> codec.decodeQuestion(utf8("{\"task\":\"translate\",\"question\":\"q\"}")))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("translate");
                });
    }

    @Test
    void malformedEmptyAndNonObjectValuesAreInvalidRequests() {
        for (String bad : new String[] {"{not json", "", "null", "[1,2]", "{\"question\":1}", "{} {}"}) {
            assertThatThrownBy(() -> codec.decodeQuestion(utf8(bad)))
                    .as(bad)
                    .isInstanceOfSatisfying(Blip2Exception.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST));
        }
    }

    @Test
    void optionsHeaderDecodesAndRejectsWrongTypes() {
        assertThat(codec.decodeOptions(utf8("{\"temperature\":0.5,\"do_sample\":true,\"seed\":7}")))
                .isEqualTo(GenerationOverrides.builder().doSample(true).temperature(0.5).seed(7L).build());
        assertThatThrownBy(() -> codec.decodeOptions(utf8("{\"num_beams\":\"many\"}")))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(e.getMessage()).contains("num_beams");
                });
    }

    @Test
    void resultsRoundTripAndAreTellApartByTheErrorField() {
        for (WireResult r : new WireResult[] {WireFixtures.caption(), WireFixtures.tooLarge(), WireFixtures.withoutLimit()}) {
            assertThat(codec.decodeResult(codec.encode(r))).isEqualTo(r);
        }
        WireResult decoded = codec.decodeResult(codec.encode(WireFixtures.answerWithEverything()));
        assertThat(decoded).isInstanceOfSatisfying(ResultRecord.class, r -> {
            assertThat(r.texts()).containsExactly("two", "three");
            assertThat(r.tokenIds()).containsExactly(new int[] {5, 6}, new int[] {5, 7});
        });
    }

    @Test
    void encodedResultUsesWireNamesAndOmitsUnsetFields() {
        String json = new String(codec.encode(WireFixtures.caption()), StandardCharsets.UTF_8);

        assertThat(json).contains("\"task\":\"caption\"", "\"finish_reason\":\"eos\"", "\"batch_size\":3",
                "\"timing_ms\":{", "\"source\":{\"topic\":\"blip2.images\",\"partition\":0,\"offset\":7}");
        assertThat(json).doesNotContain("texts", "token_ids", "null");
    }

    @Test
    void errorResultCarriesCodeMessageIdAndLimit() {
        String json = new String(codec.encode(WireFixtures.tooLarge()), StandardCharsets.UTF_8);

        assertThat(json).contains("\"code\":\"IMAGE_TOO_LARGE\"", "\"message_id\":\"BLIP2-1004\"",
                "\"limit\":10485760", "\"message\":\"the image is 20000000, the limit is 10485760\"");
        assertThat(new String(codec.encode(WireFixtures.withoutLimit()), StandardCharsets.UTF_8)).doesNotContain("limit");
    }
}
