package io.blip2stream.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON of the wire contract. Requests are read strictly (an unknown field is an
 * {@link ErrorCode#INVALID_REQUEST}, so a misspelt option never passes silently); results are
 * read leniently, so consumers keep working when fields are added. Thread-safe.
 */
public final class WireCodec {

    private final ObjectMapper mapper;
    private final ObjectReader strict;
    private final ObjectReader lenient;

    public WireCodec() {
        this.mapper = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .withCoercionConfig(LogicalType.Textual, c -> c
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
                .build();
        this.strict = mapper.reader().with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        this.lenient = mapper.reader().without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** A question record's value. */
    public QuestionRequest decodeQuestion(byte[] json) {
        QuestionRequest q = read(strict.forType(QuestionRequest.class), json, "question");
        if (q == null) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "the question is not a JSON object");
        }
        return q;
    }

    /** The {@code blip2-options} header's value. */
    public GenerationOverrides decodeOptions(byte[] json) {
        GenerationOverrides o = read(strict.forType(GenerationOverrides.class), json, "options");
        return o != null ? o : GenerationOverrides.NONE;
    }

    /** A result record's value: an {@link ErrorResult} when it has an {@code error} field. */
    public WireResult decodeResult(byte[] json) {
        try {
            JsonNode node = lenient.readTree(json);
            Class<? extends WireResult> type = node.has("error") ? ErrorResult.class : ResultRecord.class;
            return lenient.forType(type).readValue(node);
        } catch (IOException e) {
            throw new UncheckedIOException("not a result record: " + e.getMessage(), e);
        }
    }

    public byte[] encode(WireResult result) {
        return write(result);
    }

    public byte[] encode(QuestionRequest request) {
        return write(request);
    }

    public byte[] encode(GenerationOverrides options) {
        return write(options);
    }

    public byte[] encode(DeadLetterStub stub) {
        return write(stub);
    }

    private byte[] write(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }

    private static <T> T read(ObjectReader reader, byte[] json, String what) {
        if (json == null || json.length == 0) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "the " + what + " is empty");
        }
        try {
            return reader.readValue(json);
        } catch (ValueInstantiationException e) {
            if (e.getCause() instanceof Blip2Exception b) {
                throw b;
            }
            throw invalid(what, e);
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof Blip2Exception b) {
                throw b;
            }
            throw invalid(what, e);
        } catch (IOException e) {
            throw invalid(what, e);
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static Blip2Exception invalid(String what, IOException e) {
        String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        String path = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? " at " + path(m) : "";
        return new Blip2Exception(ErrorCode.INVALID_REQUEST, "the " + what + " is not valid JSON of its schema"
                + path + ": " + detail, e);
    }
}
