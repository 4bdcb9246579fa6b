package io.blip2stream.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Turns a {@code submit} command line into the Kafka record the wire contract asks for. Pure:
 * no I/O beyond what the caller passes in.
 *
 * <ul>
 *   <li>caption: the image bytes on the images topic, key = id, headers {@code blip2-id},
 *       {@code blip2-task} and, when given, {@code blip2-options};</li>
 *   <li>vqa and chat: a JSON request on the questions topic, key = id, with the image inline
 *       as {@code {"base64": …}}.</li>
 * </ul>
 */
public final class SubmitRecords {

    public static final String HEADER_ID = "blip2-id";
    public static final String HEADER_TASK = "blip2-task";
    public static final String HEADER_QUESTION = "blip2-question";
    public static final String HEADER_OPTIONS = "blip2-options";

    private final ObjectMapper json;
    private final WireTopics topics;

    public SubmitRecords(ObjectMapper json, WireTopics topics) {
        this.json = json;
        this.topics = topics;
    }

    /**
     * @param args  the command line
     * @param id    the request id
     * @param image the encoded image bytes
     */
    public ProducerRecord<byte[], byte[]> build(SubmitArguments args, String id, byte[] image) {
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        ObjectNode options = args.options().map(text -> parseObject(text, "--options")).orElse(null);
        if (args.task() == SubmitArguments.Task.CAPTION) {
            List<org.apache.kafka.common.header.Header> headers = new ArrayList<>();
            headers.add(header(HEADER_ID, id));
            headers.add(header(HEADER_TASK, args.task().wire()));
            args.question().ifPresent(q -> headers.add(header(HEADER_QUESTION, q)));
            if (options != null) {
                headers.add(header(HEADER_OPTIONS, options.toString()));
            }
            return new ProducerRecord<>(topics.images(), null, key, image, headers);
        }
        ObjectNode request = json.createObjectNode();
        request.put("id", id);
        request.put("task", args.task().wire());
        request.put("question", args.question().orElseThrow());
        args.history().ifPresent(text -> request.set("history", parseHistory(text)));
        request.putObject("image").put("base64", Base64.getEncoder().encodeToString(image));
        if (options != null) {
            request.set("options", options);
        }
        return new ProducerRecord<>(topics.questions(), key, toBytes(request));
    }

    private ObjectNode parseObject(String text, String flag) {
        JsonNode node = parse(text, flag);
        if (!node.isObject()) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, flag + " must be a JSON object");
        }
        return (ObjectNode) node;
    }

    private JsonNode parseHistory(String text) {
        JsonNode node = parse(text, "--history");
        boolean turns = node.isArray();
        for (JsonNode turn : node) {
            turns &= turn.isObject() && turn.path("question").isTextual() && turn.path("answer").isTextual();
        }
        if (!turns) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST,
                    "--history must be a JSON array of {\"question\": …, \"answer\": …}");
        }
        return node;
    }

    private JsonNode parse(String text, String flag) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, flag + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private byte[] toBytes(JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serialises", e);
        }
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
