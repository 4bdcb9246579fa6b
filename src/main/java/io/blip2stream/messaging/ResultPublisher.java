package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.DeadLetterStub;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireHeaders;
import io.blip2stream.api.WireResult;
import io.blip2stream.config.Blip2Config;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Writes results: a result record on the task's output topic with CloudEvents binary-mode
 * headers, and for errors also the original record on the dead-letter topic with dead-letter
 * headers. {@link #publish} writes through the output channels (at-least-once); {@link #records}
 * gives the same records for a transactional producer (exactly-once). Every record is kept within
 * {@code blip2.kafka.max-message-bytes}, so no request can make its outputs unwritable.
 */
@ApplicationScoped
public class ResultPublisher {

    /** Records waiting in an emitter for the Kafka sink; at least twice the in-flight limit. */
    static final int EMITTER_BUFFER = 8192;

    private final WireCodec codec = new WireCodec();

    @Inject
    @Channel(Channels.CAPTIONS_OUT)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = EMITTER_BUFFER)
    Emitter<byte[]> captions;

    @Inject
    @Channel(Channels.ANSWERS_OUT)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = EMITTER_BUFFER)
    Emitter<byte[]> answers;

    @Inject
    @Channel(Channels.DLQ_OUT)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = EMITTER_BUFFER)
    Emitter<byte[]> deadLetters;

    @Inject
    Blip2Config config;

    /** Where an output record goes. */
    private enum Destination { RESULT, DEAD_LETTER }

    /** One output record, within the size limit. */
    private record Output(Destination destination, byte[] key, byte[] value, RecordHeaders headers) {
    }

    /**
     * The records of the result of a request that came from {@code origin}: the result on its
     * task's topic, then for an error the original record on the dead-letter topic.
     */
    public List<ProducerRecord<byte[], byte[]>> records(IncomingRecord origin, WireResult result) {
        String resultTopic = result.task().isCaption() ? config.topics().captions() : config.topics().answers();
        return outputs(origin, result).stream()
                .map(o -> new ProducerRecord<>(o.destination() == Destination.RESULT ? resultTopic : config.topics().dlq(),
                        null, o.key(), o.value(), o.headers()))
                .toList();
    }

    /**
     * Writes the result of a request that came from {@code origin}. The returned stage completes
     * when Kafka has acknowledged every write.
     */
    public CompletionStage<Void> publish(IncomingRecord origin, WireResult result) {
        Emitter<byte[]> out = result.task().isCaption() ? captions : answers;
        List<CompletableFuture<Void>> writes = outputs(origin, result).stream()
                .map(o -> send(o.destination() == Destination.RESULT ? out : deadLetters, o.key(), o.value(), o.headers()))
                .toList();
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    /**
     * The result record and, for an error, the dead letter, each within
     * {@code blip2.kafka.max-message-bytes}: the key is cut to the id limit; a result that would
     * pass the size limit becomes an error result; a dead letter that would pass it (the original
     * record plus dead-letter headers) becomes a {@link DeadLetterStub}.
     */
    private List<Output> outputs(IncomingRecord origin, WireResult result) {
        byte[] key = outputKey(origin.key());
        byte[] value = codec.encode(result);
        RecordHeaders headers = resultHeaders(origin, result);
        int size = OutputSize.of(key, value, headers);
        if (size > config.kafka().maxMessageBytes() && result instanceof ResultRecord) {
            result = ErrorResult.of(result.id(), result.task(), Blip2Exception.limit(ErrorCode.INFERENCE_FAILED,
                    "the result's size in bytes", size, config.kafka().maxMessageBytes()), result.source());
            value = codec.encode(result);
            headers = resultHeaders(origin, result);
        }
        Output written = new Output(Destination.RESULT, key, value, headers);
        if (!(result instanceof ErrorResult error)) {
            return List.of(written);
        }
        RecordHeaders deadHeaders = deadLetterHeaders(origin, error, true);
        byte[] original = original(origin);
        if (OutputSize.of(origin.key(), original, deadHeaders) <= config.kafka().maxMessageBytes()) {
            return List.of(written, new Output(Destination.DEAD_LETTER, origin.key(), original, deadHeaders));
        }
        RecordHeaders stubHeaders = deadLetterHeaders(origin, error, false);
        add(stubHeaders, WireHeaders.DEAD_LETTER_STUB, "true");
        add(stubHeaders, WireHeaders.CONTENT_TYPE, WireHeaders.JSON_CONTENT_TYPE);
        return List.of(written, new Output(Destination.DEAD_LETTER, key, codec.encode(OutputSize.stub(origin)),
                stubHeaders));
    }

    /** The record key, cut to the id limit: it is echoed on every output. */
    private byte[] outputKey(byte[] key) {
        int max = config.limits().maxIdBytes();
        return key == null || key.length <= max ? key : Arrays.copyOf(key, max);
    }

    private static byte[] original(IncomingRecord origin) {
        return origin.value() == null ? new byte[0] : origin.value();
    }

    private RecordHeaders resultHeaders(IncomingRecord origin, WireResult result) {
        String type = switch (result) {
            case ErrorResult e -> WireHeaders.CE_TYPE_ERROR;
            default -> result.task().isCaption() ? WireHeaders.CE_TYPE_CAPTION : WireHeaders.CE_TYPE_ANSWER;
        };
        RecordHeaders h = new RecordHeaders();
        add(h, WireHeaders.CE_ID, origin.source().asId());
        add(h, WireHeaders.CE_TYPE, type);
        add(h, WireHeaders.CE_SOURCE, config.cloudEvents().source());
        add(h, WireHeaders.CE_SPECVERSION, WireHeaders.CE_SPECVERSION_VALUE);
        add(h, WireHeaders.CE_TIME, Instant.now().toString());
        add(h, WireHeaders.CONTENT_TYPE, WireHeaders.JSON_CONTENT_TYPE);
        add(h, WireHeaders.CORRELATION_ID, result.id());
        return h;
    }

    private static RecordHeaders deadLetterHeaders(IncomingRecord origin, ErrorResult error, boolean withOriginal) {
        RecordHeaders h = new RecordHeaders();
        if (withOriginal && origin.headers() != null) {
            for (Header header : origin.headers()) {
                h.add(header);
            }
        }
        add(h, WireHeaders.DEAD_LETTER_REASON, error.error().messageId() + " " + error.error().message());
        add(h, WireHeaders.DEAD_LETTER_CAUSE, error.error().code());
        add(h, WireHeaders.DEAD_LETTER_TOPIC, origin.source().topic());
        add(h, WireHeaders.DEAD_LETTER_PARTITION, Integer.toString(origin.source().partition()));
        add(h, WireHeaders.DEAD_LETTER_OFFSET, Long.toString(origin.source().offset()));
        add(h, WireHeaders.CORRELATION_ID, error.id());
        return h;
    }

    private static void add(RecordHeaders h, String name, String value) {
        h.remove(name);
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
    }

    private static CompletableFuture<Void> send(Emitter<byte[]> emitter, byte[] key, byte[] value, RecordHeaders headers) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        OutgoingKafkaRecordMetadata<byte[]> meta = OutgoingKafkaRecordMetadata.<byte[]>builder()
                .withKey(key)
                .withHeaders(headers)
                .build();
        Message<byte[]> message = Message.of(value, Metadata.of(meta),
                () -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            acked.completeExceptionally(e);
        }
        return acked;
    }
}
