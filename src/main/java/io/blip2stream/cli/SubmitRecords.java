package io.blip2stream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ChatTurn;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.GenerationOverrides;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Turns a {@code submit} command line into the Kafka record the wire contract asks for. Pure:
 * no I/O beyond what the caller passes in. Options are checked against their schema here, so a
 * misspelt option fails before anything is sent.
 *
 * <ul>
 *   <li>caption: the image bytes on the images topic, key = id, headers {@code blip2-id},
 *       {@code blip2-task} and, when given, {@code blip2-options};</li>
 *   <li>vqa and chat: a {@link QuestionRequest} as JSON on the questions topic, key = id, with
 *       the image inline as {@code {"base64": …}}.</li>
 * </ul>
 */
public final class SubmitRecords {

    private final WireCodec codec = new WireCodec();
    private final ObjectMapper json = new ObjectMapper();
    private final WireTopics topics;

    public SubmitRecords(WireTopics topics) {
        this.topics = topics;
    }

    /**
     * The record of a command line that makes one request per image (one task, at most one
     * question), as a stream of single requests is built.
     *
     * @param args  the command line
     * @param id    the request id
     * @param image the encoded image bytes
     */
    public ProducerRecord<byte[], byte[]> build(SubmitArguments args, String id, byte[] image) {
        List<SubmitRequest> perImage = args.requests(List.of(Path.of("image")));
        if (perImage.size() != 1) {
            throw new IllegalArgumentException("this command line makes " + perImage.size() + " requests per image");
        }
        return build(args, perImage.getFirst(), id, image);
    }

    /**
     * Checks the JSON arguments ({@code --options}, {@code --history}) without building a record,
     * so that a mistake fails before anything is sent.
     *
     * @throws Blip2Exception INVALID_REQUEST naming what is wrong
     */
    public void check(SubmitArguments args) {
        args.options().ifPresent(text -> codec.decodeOptions(text.getBytes(StandardCharsets.UTF_8)));
        args.history().ifPresent(this::parseHistory);
    }

    /**
     * @param args    the command line (options, history)
     * @param request which task and question
     * @param id      the request id
     * @param image   the encoded image bytes
     */
    public ProducerRecord<byte[], byte[]> build(SubmitArguments args, SubmitRequest request, String id, byte[] image) {
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        GenerationOverrides options = args.options()
                .map(text -> codec.decodeOptions(text.getBytes(StandardCharsets.UTF_8)))
                .orElse(null);
        if (request.task().isCaption()) {
            List<Header> headers = new ArrayList<>();
            headers.add(header(WireHeaders.ID, id));
            headers.add(header(WireHeaders.TASK, request.task().wire()));
            if (options != null) {
                headers.add(new RecordHeader(WireHeaders.OPTIONS, codec.encode(options)));
            }
            return new ProducerRecord<>(topics.images(), null, key, image, headers);
        }
        QuestionRequest question = new QuestionRequest(id, request.task(), request.question().orElseThrow(),
                args.history().map(this::parseHistory).orElse(null), null,
                new ImageRef(Base64.getEncoder().encodeToString(image), null), options);
        return new ProducerRecord<>(topics.questions(), key, codec.encode(question));
    }

    private List<ChatTurn> parseHistory(String text) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "--history is not valid JSON: " + e.getOriginalMessage(), e);
        }
        List<ChatTurn> turns = new ArrayList<>();
        boolean valid = node.isArray();
        for (JsonNode turn : node) {
            valid &= turn.isObject() && turn.size() == 2
                    && turn.path("question").isTextual() && turn.path("answer").isTextual();
            turns.add(new ChatTurn(turn.path("question").asText(), turn.path("answer").asText()));
        }
        if (!valid) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST,
                    "--history must be a JSON array of {\"question\": …, \"answer\": …}");
        }
        return turns;
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
