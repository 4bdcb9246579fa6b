package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorBody;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.config.Blip2Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code submit}: sends requests to the service over Kafka from one process: one image or many
 * ({@code --image}, {@code --dir}), captioned and/or questioned. With {@code --wait} it prints
 * each result as it arrives (its JSON, or a readable line with the progress) and ends when every
 * request has its result, or when none has come for {@code --timeout-s}.
 *
 * <p>Exit status ({@link ExitStatus}): 0 every result, 1 some request got an error result (or
 * could not be sent), 2 bad command line or input file, 3 Kafka unreachable or results missing.
 */
public final class SubmitCommand implements Command {

    public static final String NAME = "submit";

    private static final Duration POLL = Duration.ofMillis(100);
    /** Room for the key, the headers and the record's framing next to the value. */
    private static final int RECORD_OVERHEAD_BYTES = 1024;
    private static final int MAX_MISSING_LISTED = 20;

    private final ObjectMapper json = new ObjectMapper();
    /** The topic names and message size; null = read from the application's configuration. */
    private final WireTopics topicsGiven;
    private final Integer maxMessageBytesGiven;

    /** Topic names and the message size as the service is configured (application.properties, environment). */
    public SubmitCommand() {
        this(null, null);
    }

    /** Explicit topic names and maximum message size (a service configured otherwise). */
    public SubmitCommand(WireTopics topics, Integer maxMessageBytes) {
        this.topicsGiven = topics;
        this.maxMessageBytesGiven = maxMessageBytes;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "send images to the running service over Kafka; print results as they arrive";
    }

    @Override
    public String usage() {
        return Usage.render("""
                blip2 submit --bootstrap HOST:PORT (--image FILE | --dir DIR)... [--question Q]... [--caption]
                                    [--task caption|vqa|chat] [--history JSON] [--options JSON] [--id ID]
                                    [--wait [--format json|text] [--timeout-s N]] [--max-in-flight N]""", """
                Sends one request per image, or with --question one per image and question (vqa, or chat
                with --history), from this one process. Captions go to the images topic as the raw image
                bytes (headers blip2-id, blip2-task, blip2-options), questions to the questions topic as
                JSON with the image inline; topic names as the service's (BLIP2_TOPIC_*).
                Without --wait, prints where each request was written. With --wait, prints each result
                as it arrives: its JSON value (--format json), or one line with the progress (done/total,
                rate), the image, the task and question, and the answer (--format text).

                examples:
                  blip2 submit --bootstrap localhost:9092 --image cat.jpg --wait
                  blip2 submit --bootstrap localhost:9092 --dir photos/ --caption \\
                               --question "what colour is the shape?" --wait --format text""", SubmitArguments.OPTIONS);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        SubmitArguments parsed;
        List<SubmitRequest> requests;
        Blip2Config config = topicsGiven == null || maxMessageBytesGiven == null ? CliConfig.settings() : null;
        WireTopics topics = topicsGiven != null ? topicsGiven : WireTopics.of(config);
        SubmitRecords records = new SubmitRecords(topics);
        try {
            parsed = SubmitArguments.parse(args);
            requests = parsed.requests(parsed.imageFiles());
            records.check(parsed);
        } catch (Blip2Exception e) {
            return CliError.of(e, ExitStatus.USAGE).printWithHint(NAME, out, err);
        }
        int maxMessageBytes = maxMessageBytesGiven != null ? maxMessageBytesGiven : config.kafka().maxMessageBytes();
        try {
            return new Run(parsed, requests, records, topics, maxMessageBytes, out, err).execute();
        } catch (CommandException e) {
            return CliError.of(e).print(out);
        }
    }

    /** One submit: a producer feeding the requests, the calling thread reading and printing results. */
    private final class Run {
        private final SubmitArguments args;
        private final List<SubmitRequest> requests;
        private final SubmitRecords records;
        private final WireTopics topics;
        private final int maxMessageBytes;
        private final PrintStream out;
        private final PrintStream err;
        private final ResultLines lines;
        private final List<String> ids = new ArrayList<>();
        /** Requests sent (or about to be) without a result yet, by id. */
        private final Map<String, SubmitRequest> pending = new ConcurrentHashMap<>();
        /** Requests that failed here, before the service could see them. */
        private final ConcurrentLinkedQueue<LocalFailure> failedHere = new ConcurrentLinkedQueue<>();
        /** Writes to the topic that finished, for the output without --wait. */
        private final ConcurrentLinkedQueue<Written> written = new ConcurrentLinkedQueue<>();
        private final AtomicReference<CommandException> fatal = new AtomicReference<>();
        private final Semaphore inFlight;
        private int done;
        private int errors;
        private long startNanos;

        record LocalFailure(String id, SubmitRequest request, CliError error) {
        }

        record Written(String id, SubmitRequest request, RecordMetadata where) {
        }

        Run(SubmitArguments args, List<SubmitRequest> requests, SubmitRecords records, WireTopics topics,
            int maxMessageBytes, PrintStream out, PrintStream err) {
            this.args = args;
            this.requests = requests;
            this.records = records;
            this.topics = topics;
            this.maxMessageBytes = maxMessageBytes;
            this.out = out;
            this.err = err;
            this.lines = new ResultLines(requests);
            this.inFlight = new Semaphore(args.maxInFlight());
            for (int i = 0; i < requests.size(); i++) {
                ids.add(i == 0 && args.id().isPresent() ? args.id().get() : UUID.randomUUID().toString());
            }
        }

        int execute() {
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig())) {
                if (!args.waitForResult()) {
                    return sendAll(producer, false);
                }
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerConfig())) {
                    listenFromEnd(consumer);
                    if (args.format() == SubmitArguments.Format.TEXT) {
                        out.println("submitting " + requests.size() + " requests to " + args.bootstrap()
                                + ", results as they arrive:");
                    }
                    startNanos = System.nanoTime();
                    Thread sender = Thread.ofVirtual().name("blip2-submit-sender").start(() -> sendAll(producer, true));
                    try {
                        return awaitResults(consumer);
                    } finally {
                        sender.interrupt();
                        joinQuietly(sender);
                    }
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                throw unavailable(e);
            }
        }

        /**
         * Sends every request in order, at most --max-in-flight unanswered when results are awaited.
         * @return without --wait, the exit status
         */
        private int sendAll(KafkaProducer<byte[], byte[]> producer, boolean awaiting) {
            for (int i = 0; i < requests.size() && fatal.get() == null; i++) {
                SubmitRequest request = requests.get(i);
                String id = ids.get(i);
                if (awaiting) {
                    try {
                        inFlight.acquire();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return ExitStatus.FAILED;
                    }
                }
                ProducerRecord<byte[], byte[]> record;
                try {
                    byte[] image = InputFiles.read(request.image());
                    record = records.build(args, request, id, image);
                    if (record.value().length > maxMessageBytes - RECORD_OVERHEAD_BYTES) {
                        throw new Blip2Exception(ErrorCode.IMAGE_TOO_LARGE, "the request for " + request.image()
                                + " is " + record.value().length + " bytes, above the maximum message size "
                                + (maxMessageBytes - RECORD_OVERHEAD_BYTES), (long) (maxMessageBytes - RECORD_OVERHEAD_BYTES), null);
                    }
                } catch (Blip2Exception e) {
                    failedHere.add(new LocalFailure(id, request, CliError.of(e, ExitStatus.FAILED)));
                    continue;
                }
                pending.put(id, request);
                try {
                    producer.send(record, (metadata, e) -> {
                        if (e == null) {
                            if (!awaiting) {
                                written.add(new Written(id, request, metadata));
                            }
                        } else if (e instanceof org.apache.kafka.common.errors.TimeoutException) {
                            fatal.compareAndSet(null, unavailable(e));
                        } else if (pending.remove(id) != null) {
                            failedHere.add(new LocalFailure(id, request, CliError.of(CommandError.KAFKA_FAILED,
                                    "could not write to " + record.topic() + ": " + e.getMessage())));
                        }
                    });
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    fatal.compareAndSet(null, unavailable(e));
                } catch (KafkaException e) {
                    pending.remove(id);
                    failedHere.add(new LocalFailure(id, request, CliError.of(CommandError.KAFKA_FAILED,
                            "could not write to " + record.topic() + ": " + e.getMessage())));
                }
            }
            producer.flush();
            if (awaiting) {
                return ExitStatus.OK;
            }
            return reportWritten();
        }

        /** Without --wait: one JSON line per request written (or failed here). */
        private int reportWritten() {
            if (fatal.get() != null) {
                throw fatal.get();
            }
            for (Written w : written) {
                ObjectNode n = json.createObjectNode().put("id", w.id()).put("image", w.request().image().toString())
                        .put("task", w.request().task().wire());
                w.request().question().ifPresent(q -> n.put("question", q));
                n.put("topic", w.where().topic()).put("partition", w.where().partition()).put("offset", w.where().offset());
                out.println(n);
            }
            for (LocalFailure f : failedHere) {
                out.println(localFailureJson(f));
            }
            return failedHere.isEmpty() ? ExitStatus.OK : ExitStatus.FAILED;
        }

        private int awaitResults(KafkaConsumer<byte[], byte[]> consumer) {
            long lastProgress = System.nanoTime();
            while (done < requests.size()) {
                if (fatal.get() != null) {
                    throw fatal.get();
                }
                boolean progressed = drainLocalFailures();
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    JsonNode value = parse(record.value());
                    String id = value == null ? null : value.path("id").asText(null);
                    SubmitRequest request = id == null ? null : pending.remove(id);
                    if (request == null) {
                        continue;   // another client's result, or a duplicate (at-least-once delivery)
                    }
                    inFlight.release();
                    done++;
                    progressed = true;
                    if (value.has("error")) {
                        errors++;
                    }
                    print(args.format() == SubmitArguments.Format.TEXT
                            ? lines.result(done, elapsedS(), request, value) : value.toString());
                }
                if (progressed) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > args.timeout().toNanos()) {
                    return missing();
                }
            }
            finish();
            return errors == 0 ? ExitStatus.OK : ExitStatus.FAILED;
        }

        private boolean drainLocalFailures() {
            boolean any = false;
            for (LocalFailure f; (f = failedHere.poll()) != null; ) {
                inFlight.release();
                done++;
                errors++;
                any = true;
                print(args.format() == SubmitArguments.Format.TEXT
                        ? lines.localFailure(done, elapsedS(), f.request(), f.error()) : localFailureJson(f).toString());
            }
            return any;
        }

        private int missing() {
            finish();
            Map<String, SubmitRequest> left = new LinkedHashMap<>();
            for (String id : ids) {
                SubmitRequest r = pending.get(id);
                if (r != null) {
                    left.put(id, r);
                }
            }
            int unsent = requests.size() - done - left.size();
            if (args.format() == SubmitArguments.Format.TEXT) {
                left.entrySet().stream().limit(MAX_MISSING_LISTED)
                        .forEach(e -> out.println(lines.missing(e.getValue(), e.getKey())));
            }
            String which = left.size() == 1 && unsent == 0 ? " (id " + left.keySet().iterator().next() + ")" : "";
            return CliError.of(CommandError.NO_RESULT, "no result for " + (requests.size() - done) + " of "
                    + requests.size() + " requests" + which + " on " + resultTopics() + ": none arrived for "
                    + args.timeout().toSeconds() + " s (is the service running on " + args.bootstrap() + "?)").print(out);
        }

        private void finish() {
            if (requests.size() > 1) {
                String summary = lines.summary(done, errors, elapsedS());
                (args.format() == SubmitArguments.Format.TEXT ? out : err).println(summary);
            }
        }

        private void print(String line) {
            out.println(line);
            out.flush();
        }

        private ObjectNode localFailureJson(LocalFailure f) {
            ObjectNode n = json.createObjectNode().put("id", f.id()).put("task", f.request().task().wire());
            CliError e = f.error();
            n.set("error", json.valueToTree(new ErrorBody(e.code(), e.id(), e.message(), e.limit())));
            return n;
        }

        private double elapsedS() {
            return (System.nanoTime() - startNanos) / 1e9;
        }

        private Set<String> resultTopics() {
            Set<String> names = new TreeSet<>();
            for (SubmitRequest r : requests) {
                names.add(topics.resultTopic(r.task()));
            }
            return names;
        }

        /**
         * Assigns every partition of the result topics at their current end, before any request is
         * written, so no result can be missed. Asking for the partitions lets the broker auto-create them.
         */
        private void listenFromEnd(KafkaConsumer<byte[], byte[]> consumer) {
            long deadline = System.nanoTime() + args.timeout().toNanos();
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : resultTopics()) {
                List<PartitionInfo> infos = List.of();
                while (infos.isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new CommandException(CommandError.KAFKA_UNAVAILABLE, "topic " + topic
                                + " has no partitions at " + args.bootstrap() + " (is auto-creation off? create it with: blip2 topics)");
                    }
                    List<PartitionInfo> found = consumer.partitionsFor(topic, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                    infos = found == null ? List.of() : found;
                    if (infos.isEmpty()) {
                        sleep(POLL);   // the broker is still creating it: ask again
                    }
                }
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.endOffsets(partitions).forEach(consumer::seek);
        }

        private CommandException unavailable(Exception e) {
            return new CommandException(CommandError.KAFKA_UNAVAILABLE, "Kafka at " + args.bootstrap()
                    + " did not answer within " + args.timeout().toSeconds() + " s: " + e.getMessage(), e);
        }

        private JsonNode parse(byte[] value) {
            if (value == null) {
                return null;
            }
            try {
                return json.readTree(value);
            } catch (IOException e) {
                return null; // not a result of this contract: skip it
            }
        }

        private Map<String, Object> producerConfig() {
            int budget = (int) Math.min(Integer.MAX_VALUE, args.timeout().toMillis());
            int request = Math.min(budget, 30_000);
            return Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args.bootstrap(),
                    ProducerConfig.CLIENT_ID_CONFIG, "blip2-submit",
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.LINGER_MS_CONFIG, 5,
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxMessageBytes,
                    ProducerConfig.MAX_BLOCK_MS_CONFIG, budget,
                    ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, request,
                    ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(budget, request + 5 + 1),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        }

        private Map<String, Object> consumerConfig() {
            int budget = (int) Math.min(Integer.MAX_VALUE, args.timeout().toMillis());
            return Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args.bootstrap(),
                    ConsumerConfig.CLIENT_ID_CONFIG, "blip2-submit",
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxMessageBytes,
                    ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, budget,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandException(CommandError.KAFKA_UNAVAILABLE, "interrupted while waiting for Kafka");
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
