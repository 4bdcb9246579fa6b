package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.config.Blip2Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code submit}: sends one request to the service over Kafka and, with {@code --wait}, prints its
 * result (the result record's JSON value) once it arrives on the output topic.
 *
 * <p>Exit status: 0 result (or, without {@code --wait}, the request was written), 1 the service
 * answered with an error result, 2 bad command line or unreadable image, 3 no result in time or
 * Kafka unreachable.
 */
public final class SubmitCommand implements Command {

    public static final String NAME = "submit";
    public static final int OK = 0;
    public static final int ERROR_RESULT = 1;
    public static final int USAGE_ERROR = 2;
    public static final int NO_RESULT = 3;

    private static final Duration POLL = Duration.ofMillis(200);

    private final ObjectMapper json = new ObjectMapper();

    /**
     * @param args the words after {@code submit}
     * @param out  where the result JSON goes (one line)
     * @param err  where problems are reported
     */
    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        SubmitArguments parsed;
        byte[] image;
        try {
            parsed = SubmitArguments.parse(args);
            image = Files.readAllBytes(parsed.image());
        } catch (Blip2Exception e) {
            err.println("submit: " + e.detail());
            err.println(SubmitArguments.USAGE);
            return USAGE_ERROR;
        } catch (IOException e) {
            err.println("submit: cannot read the image: " + e);
            return USAGE_ERROR;
        }
        Blip2Config config = CliConfig.settings();
        WireTopics topics = WireTopics.of(config);
        int maxMessageBytes = config.kafka().maxMessageBytes();
        String id = parsed.id().orElseGet(() -> UUID.randomUUID().toString());
        ProducerRecord<byte[], byte[]> request;
        try {
            request = new SubmitRecords(topics).build(parsed, id, image);
        } catch (Blip2Exception e) {
            err.println("submit: " + e.detail());
            return USAGE_ERROR;
        }
        long deadline = System.nanoTime() + parsed.timeout().toNanos();
        if (!parsed.waitForResult()) {
            return send(parsed, request, maxMessageBytes, deadline, out, err) ? OK : NO_RESULT;
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig(parsed.bootstrap(), maxMessageBytes))) {
            String resultTopic = topics.resultTopic(parsed.task());
            if (!listenFromEnd(consumer, resultTopic, deadline)) {
                err.println("submit: topic " + resultTopic + " has no partitions (is auto-creation off?)");
                return NO_RESULT;
            }
            if (!send(parsed, request, maxMessageBytes, deadline, null, err)) {
                return NO_RESULT;
            }
            Optional<JsonNode> result = awaitResult(consumer, id, deadline);
            if (result.isEmpty()) {
                err.println("submit: no result for id " + id + " on " + resultTopic + " within "
                        + parsed.timeout().toSeconds() + " s");
                return NO_RESULT;
            }
            out.println(result.get().toString());
            return result.get().has("error") ? ERROR_RESULT : OK;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            err.println("submit: Kafka at " + parsed.bootstrap() + " did not answer in time: " + e.getMessage());
            return NO_RESULT;
        }
    }

    /** Writes the request; prints where it went when {@code out} is given. */
    private boolean send(SubmitArguments args, ProducerRecord<byte[], byte[]> request, int maxBytes, long deadline,
                         PrintStream out, PrintStream err) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(args.bootstrap(), maxBytes, deadline))) {
            RecordMetadata written = producer.send(request).get(remainingMillis(deadline), TimeUnit.MILLISECONDS);
            if (out != null) {
                out.println(json.createObjectNode()
                        .put("id", new String(request.key(), java.nio.charset.StandardCharsets.UTF_8))
                        .put("topic", written.topic())
                        .put("partition", written.partition())
                        .put("offset", written.offset()));
            }
            return true;
        } catch (ExecutionException | TimeoutException e) {
            err.println("submit: could not write to " + request.topic() + " at " + args.bootstrap() + ": "
                    + (e.getCause() != null ? e.getCause() : e));
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Assigns every partition of {@code topic} at its current end, before the request is written,
     * so the result cannot be missed. Asking for the partitions lets the broker auto-create it.
     */
    private static boolean listenFromEnd(KafkaConsumer<byte[], byte[]> consumer, String topic, long deadline) {
        while (System.nanoTime() < deadline) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofMillis(remainingMillis(deadline)));
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> partitions = infos.stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                consumer.assign(partitions);
                consumer.endOffsets(partitions).forEach(consumer::seek);
                return true;
            }
            try {
                Thread.sleep(POLL); // the broker is still creating it: back off, then ask again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private Optional<JsonNode> awaitResult(KafkaConsumer<byte[], byte[]> consumer, String id, long deadline) {
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                Optional<JsonNode> value = parse(record.value());
                if (value.isPresent() && id.equals(value.get().path("id").asText(null))) {
                    return value;
                }
            }
        }
        return Optional.empty();
    }

    private Optional<JsonNode> parse(byte[] value) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readTree(value));
        } catch (IOException e) {
            return Optional.empty(); // not a result of this contract: skip it
        }
    }

    private static long remainingMillis(long deadline) {
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    private static Map<String, Object> producerConfig(String bootstrap, int maxBytes, long deadline) {
        int budget = (int) Math.min(Integer.MAX_VALUE, remainingMillis(deadline));
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.CLIENT_ID_CONFIG, "blip2-submit",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxBytes,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, budget,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(budget, 30_000),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(budget, 30_000 + 1),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    }

    private static Map<String, Object> consumerConfig(String bootstrap, int maxBytes) {
        return Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.CLIENT_ID_CONFIG, "blip2-submit",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxBytes,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    }
}
