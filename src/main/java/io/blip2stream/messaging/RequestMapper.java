package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ChatTurn;
import io.blip2stream.api.Echo;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ImageRef;
import io.blip2stream.api.QuestionRequest;
import io.blip2stream.api.Task;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.util.List;

/**
 * Maps consumed records to requests: the request id, the task, the prompt, the generation
 * options, the image and the deadline, checking every limit on the way. Pure: no I/O, no clock
 * of its own; an invalid record becomes a {@link Mapped.Rejected} with the best id and task known.
 */
public final class RequestMapper {

    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");
    /**
     * Characters each chat history turn counts beyond its question and answer: its template and
     * separator (BLIP-2's "Question: {q} Answer: {a}" and " " are 20), rounded up.
     */
    static final int TURN_TEMPLATE_CHARS = 32;

    private final WireCodec codec;
    private final RequestLimits limits;
    private final GenerationOptions defaults;

    public RequestMapper(WireCodec codec, RequestLimits limits, GenerationOptions defaults) {
        this.codec = codec;
        this.limits = limits;
        this.defaults = defaults;
    }

    /**
     * The id of a record: {@code blip2-id} header, else {@code ce_id}, else the key as UTF-8, else
     * {@code topic-partition-offset}; capped at {@link RequestLimits#DEFAULT_MAX_ID_BYTES} for echoing.
     */
    public static String recordId(IncomingRecord r) {
        return Echo.cap(rawRecordId(r), RequestLimits.DEFAULT_MAX_ID_BYTES);
    }

    private static String rawRecordId(IncomingRecord r) {
        return r.header(WireHeaders.ID)
                .or(() -> r.header(WireHeaders.CE_ID))
                .or(r::keyText)
                .orElseGet(() -> r.source().asId());
    }

    /** The id to echo for a record, capped at the id limit. */
    public String idOf(IncomingRecord r) {
        return Echo.cap(rawRecordId(r), limits.maxIdBytes());
    }

    /**
     * An image record: value = image bytes, the task, question and options in headers.
     *
     * @param nowWallMs     the wall clock now (epoch ms), for the deadline
     * @param receivedNanos {@link System#nanoTime()} at arrival
     */
    public Mapped fromImage(IncomingRecord r, long nowWallMs, long receivedNanos) {
        String rawId = rawRecordId(r);
        String id = Echo.cap(rawId, limits.maxIdBytes());
        Task task = Task.CAPTION;
        try {
            checkIdAndKey(rawId, r);
            task = task(r);
            String question = r.header(WireHeaders.QUESTION).orElse(null);
            GenerationOverrides options = r.headerBytes(WireHeaders.OPTIONS).map(codec::decodeOptions).orElse(GenerationOverrides.NONE);
            Prompt prompt = prompt(task, question, List.of(), null);
            byte[] image = checkImage(r.value());
            return accept(id, task, prompt, options, image, null, r, nowWallMs, receivedNanos);
        } catch (Blip2Exception e) {
            return new Mapped.Rejected(id, task, e);
        }
    }

    /** A question record: value = question JSON (schemas/question.schema.json). */
    public Mapped fromQuestion(IncomingRecord r, long nowWallMs, long receivedNanos) {
        String rawId = rawRecordId(r);
        String id = Echo.cap(rawId, limits.maxIdBytes());
        Task task = Task.VQA;
        try {
            checkIdAndKey(rawId, r);
            QuestionRequest q = codec.decodeQuestion(r.value());
            if (q.id() != null && !q.id().isBlank()) {
                id = Echo.cap(q.id(), limits.maxIdBytes());
                checkIdAndKey(q.id(), r);
            }
            task = q.taskOrDefault();
            ImageRef ref = q.image();
            if (ref == null || (ref.base64() == null) == (ref.url() == null)) {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "image must have exactly one of base64 and url");
            }
            if (ref.url() != null && Echo.utf8Length(ref.url()) > limits.maxUrlBytes()) {
                throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "the image URL's length in UTF-8 bytes",
                        Echo.utf8Length(ref.url()), limits.maxUrlBytes());
            }
            Prompt prompt = prompt(task, q.question(), q.history(), q.prompt());
            byte[] image = ref.base64() != null ? checkImage(decodeBase64(ref.base64())) : null;
            return accept(id, task, prompt, q.optionsOrNone(), image, ref.url(), r, nowWallMs, receivedNanos);
        } catch (Blip2Exception e) {
            return new Mapped.Rejected(id, task, e);
        }
    }

    /** The id and the key are echoed into every output: over-long ones are refused before any work. */
    private void checkIdAndKey(String rawId, IncomingRecord r) {
        int idBytes = Echo.utf8Length(rawId);
        if (idBytes > limits.maxIdBytes()) {
            throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "the request id's length in UTF-8 bytes", idBytes,
                    limits.maxIdBytes());
        }
        if (r.key() != null && r.key().length > limits.maxIdBytes()) {
            throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "the record key's length in bytes", r.key().length,
                    limits.maxIdBytes());
        }
    }

    private static Task task(IncomingRecord r) {
        byte[] raw = r.headerBytes(WireHeaders.TASK).orElse(null);
        if (raw != null && raw.length > Echo.MAX_TASK_BYTES) {
            throw Blip2Exception.limit(ErrorCode.INVALID_REQUEST, "the task header's length in bytes", raw.length,
                    Echo.MAX_TASK_BYTES);
        }
        return r.header(WireHeaders.TASK).map(Task::parse).orElse(Task.CAPTION);
    }

    /** Checks fetched bytes against the same limits as inline ones. */
    public byte[] checkImage(byte[] image) {
        if (image == null || image.length == 0) {
            throw new Blip2Exception(ErrorCode.INVALID_IMAGE, "the request has no image bytes");
        }
        if (image.length > limits.maxImageBytes()) {
            throw Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the image size in bytes", image.length,
                    limits.maxImageBytes());
        }
        return image;
    }

    private Mapped accept(String id, Task task, Prompt prompt, GenerationOverrides options, byte[] image, String url,
                          IncomingRecord r, long nowWallMs, long receivedNanos) {
        GenerationOptions generation = GenerationOptions.merge(defaults, options, limits.maxNewTokens());
        long deadlineNanos = deadline(r, nowWallMs, receivedNanos);
        return new Mapped.Accepted(new ServiceRequest(id, task, prompt, generation, options.wantsTokenIds(), image,
                url, r, receivedNanos, deadlineNanos));
    }

    /** The deadline counts from the record's timestamp (or arrival, for a missing or future one). */
    private long deadline(IncomingRecord r, long nowWallMs, long receivedNanos) {
        long start = r.timestampMs() > 0 && r.timestampMs() <= nowWallMs ? r.timestampMs() : nowWallMs;
        long leftMs = start + limits.deadlineMs() - nowWallMs;
        if (leftMs <= 0) {
            throw Blip2Exception.limit(ErrorCode.DEADLINE_EXCEEDED, "the request's age in ms", nowWallMs - start,
                    limits.deadlineMs());
        }
        return receivedNanos + leftMs * 1_000_000L;
    }

    /**
     * Checks the cheap bounds of a prompt before anything is tokenised: the number of chat turns,
     * then the characters of the whole prompt, each turn's template included.
     */
    private Prompt prompt(Task task, String question, List<ChatTurn> history, String raw) {
        if (history.size() > limits.maxTurns()) {
            throw Blip2Exception.limit(ErrorCode.PROMPT_TOO_LONG, "the number of chat history turns", history.size(),
                    limits.maxTurns());
        }
        long chars = (long) length(question) + length(raw) + (long) history.size() * TURN_TEMPLATE_CHARS
                + history.stream().mapToLong(t -> (long) length(t.question()) + length(t.answer())).sum();
        if (chars > limits.maxQuestionChars()) {
            throw Blip2Exception.limit(ErrorCode.PROMPT_TOO_LONG, "the prompt length in characters", chars,
                    limits.maxQuestionChars());
        }
        if (raw != null) {
            return new Prompt.Raw(raw);
        }
        if (task == Task.CAPTION) {
            return new Prompt.Caption();
        }
        if (question == null || question.isBlank()) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "a " + task.wire() + " request needs a question");
        }
        if (task == Task.VQA) {
            return new Prompt.Vqa(question);
        }
        for (ChatTurn t : history) {
            if (t.question() == null || t.answer() == null) {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "every history turn needs a question and an answer");
            }
        }
        return new Prompt.Chat(history.stream().map(t -> new Prompt.Turn(t.question(), t.answer())).toList(), question);
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private static byte[] decodeBase64(String b64) {
        try {
            return java.util.Base64.getDecoder().decode(WHITESPACE.matcher(b64).replaceAll(""));
        } catch (IllegalArgumentException e) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "image.base64 is not valid base64: " + e.getMessage(), e);
        }
    }
}
