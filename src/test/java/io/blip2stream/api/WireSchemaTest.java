package io.blip2stream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The codec's output validates against the published JSON Schemas, and the schemas reject what the codec rejects. */
class WireSchemaTest {

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://blip2stream.io/schemas/", "classpath:schemas/")));
    private final WireCodec codec = new WireCodec();
    private final ObjectMapper json = new ObjectMapper();

    private static JsonSchema schema(String name) {
        return FACTORY.getSchema(SchemaLocation.of("https://blip2stream.io/schemas/" + name));
    }

    private Set<ValidationMessage> validate(String schema, byte[] value) throws IOException {
        JsonNode node = json.readTree(value);
        return schema(schema).validate(node);
    }

    @Test
    void resultsValidate() throws IOException {
        for (ResultRecord r : List.of(WireFixtures.caption(), WireFixtures.answerWithEverything())) {
            assertThat(validate("result.schema.json", codec.encode(r))).as(r.id()).isEmpty();
        }
    }

    @Test
    void errorResultsValidate() throws IOException {
        for (ErrorResult r : List.of(WireFixtures.tooLarge(), WireFixtures.withoutLimit())) {
            assertThat(validate("error-result.schema.json", codec.encode(r))).as(r.id()).isEmpty();
        }
    }

    @Test
    void everyErrorCodeIsInTheSchema() throws IOException {
        for (ErrorCode code : ErrorCode.values()) {
            ErrorResult r = ErrorResult.of("x", Task.VQA, new Blip2Exception(code, "m"), WireFixtures.SOURCE);
            assertThat(validate("error-result.schema.json", codec.encode(r))).as(code.name()).isEmpty();
        }
    }

    @Test
    void questionsTheCodecWritesValidate() throws IOException {
        QuestionRequest q = new QuestionRequest("q", Task.CHAT, "and?", List.of(new ChatTurn("what?", "cat")), null,
                new ImageRef("AAAA", null),
                GenerationOverrides.builder().maxNewTokens(5).minNewTokens(1).numBeams(2).lengthPenalty(1.0)
                        .earlyStopping(true).doSample(false).temperature(1.0).topK(50).topP(1.0).repetitionPenalty(1.0)
                        .noRepeatNgramSize(0).numReturnSequences(2).seed(3L).returnTokenIds(true).build());
        byte[] value = codec.encode(q);

        assertThat(validate("question.schema.json", value)).isEmpty();
        assertThat(codec.decodeQuestion(value)).isEqualTo(q);
    }

    @Test
    void schemasRejectWhatTheContractForbids() throws IOException {
        assertThat(validate("question.schema.json", "{\"question\":\"q\"}".getBytes())).isNotEmpty();
        assertThat(validate("question.schema.json",
                "{\"image\":{\"base64\":\"AA\",\"url\":\"file:x\"}}".getBytes())).isNotEmpty();
        assertThat(validate("options.schema.json", "{\"max_tokens\":3}".getBytes())).isNotEmpty();
        assertThat(validate("result.schema.json", "{\"id\":\"x\",\"task\":\"vqa\"}".getBytes())).isNotEmpty();
        assertThat(validate("error-result.schema.json",
                "{\"id\":\"x\",\"task\":\"vqa\",\"source\":{\"topic\":\"t\",\"partition\":0,\"offset\":0},\"error\":{\"code\":\"NOPE\",\"message_id\":\"BLIP2-1\",\"message\":\"m\"}}".getBytes()))
                .isNotEmpty();
    }
}
