package io.blip2stream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.cli.SubmitArguments;
import io.blip2stream.cli.SubmitRecords;
import io.blip2stream.cli.WireTopics;
import io.blip2stream.it.ResultCollector;
import io.blip2stream.it.ServiceProcess;
import io.blip2stream.it.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * End-to-end throughput (not a test): images/s through Kafka — producer, broker, the packaged
 * service, result topic — against the engine's own {@code bench} at the same batch size, in the
 * same run, on the same images and generation settings (greedy, exactly max-new-tokens tokens).
 * Every image is distinct by its bytes on both paths (the engine bench runs with its vision cache
 * off; the service's cache never hits), so both do the full preprocess + vision work per image.
 * Every result is checked (no error; the same caption for every request on the same picture).
 * Prints a table and writes JSON.
 *
 * <p>The Kafka path is timed from the moment the whole backlog becomes visible on the broker (the
 * commit of the transaction that wrote it; the service reads committed records only) to the
 * arrival of the last result. The broker, the load generator and the result consumer run at the
 * lowest CPU priority (Linux's {@code SCHED_IDLE} class and nice 10, where the system allows it):
 * they stand in for a remote cluster and its clients, and take only what the service leaves idle. The service runs with the deployment's JVM options, plus
 * {@code BENCH_SERVICE_JVM_OPTIONS} from the environment (space-separated, e.g. a JFR recording).
 * It prints the CPU time of the service process and of the benchmark's JVM during the timed
 * window, by thread group.
 *
 * <pre>mvn -o verify -Pe2e-bench [-Dbench.args="--batch-size 8 --requests 256 --rounds 3"]</pre>
 *
 * <p>The engine runs and the Kafka windows alternate (engine, Kafka, engine, …, engine), the
 * engine running while the warm service waits idle, so that drift of the machine hits both; the
 * ratio is of the medians, and the Kafka median over the fastest engine run is printed too.
 *
 * Options: {@code --bundle DIR}, {@code --batch-size N} (8), {@code --requests N} (256 per round,
 * timed through Kafka and run by the engine bench), {@code --rounds N} (3 Kafka windows, 4 engine runs), {@code --warmup N} (64 batches: the ratio is for a service in its steady state,
 * its JIT compiler done with the Kafka, JSON and preprocessing paths), {@code --max-new-tokens N} (20),
 * {@code --partitions N} (2), {@code --out FILE} (target/benchmarks/e2e.json), {@code --allow-spinning true}
 * (ONNX Runtime threads spin-wait in both the engine bench and the service; default false).
 */
public final class EndToEndBenchmark {

    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    /** JPEG and PNG sample images (they can be tagged, see {@link TaggedImages}). */
    private static final List<Path> IMAGES = List.of(
            Path.of("src/test/resources/images/photo_640x480.jpg"),
            Path.of("src/test/resources/images/rgba_320x240.png"),
            Path.of("src/test/resources/images/palette_200x150.png"),
            Path.of("src/test/resources/images/gray_256x256.png"),
            Path.of("src/test/resources/images/portrait_300x500.png"));
    private static final Duration READY = Duration.ofSeconds(180);
    /** Nice value of the broker and the Kafka clients of the benchmark (stand-ins for remote machines). */
    private static final int REMOTE_NICE = 10;

    /** The benchmark's settings. */
    record Settings(Path bundle, int batchSize, int requests, int warmup, int maxNewTokens, int partitions, Path out,
                    boolean allowSpinning, int rounds) {

        static Settings parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                given.put(args[i], args[i + 1]);
            }
            int batch = Integer.parseInt(given.getOrDefault("--batch-size", "8"));
            return new Settings(
                    Path.of(given.getOrDefault("--bundle", "src/test/resources/bundles/tiny-opt")).toAbsolutePath(),
                    batch,
                    Integer.parseInt(given.getOrDefault("--requests", "256")),
                    Integer.parseInt(given.getOrDefault("--warmup", Integer.toString(64 * batch))),
                    Integer.parseInt(given.getOrDefault("--max-new-tokens", "20")),
                    Integer.parseInt(given.getOrDefault("--partitions", "2")),
                    Path.of(given.getOrDefault("--out", "target/benchmarks/e2e.json")),
                    Boolean.parseBoolean(given.getOrDefault("--allow-spinning", "false")),
                    Integer.parseInt(given.getOrDefault("--rounds", "3")));
        }
    }

    /** One measured path. */
    record Figure(String path, int images, double seconds) {
        double imagesPerSecond() {
            return images / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        Files.createDirectories(settings.out().toAbsolutePath().getParent());
        ObjectMapper json = new ObjectMapper();

        // engine, Kafka, engine, Kafka, …, engine: the engine runs while the warm service waits idle,
        // so both paths see the same machine, round after round; the ratio is of the medians
        Rounds rounds = interleaved(settings, json);
        double engineMedian = median(rounds.engine());
        double kafkaMedian = median(rounds.kafka());
        double bestEngine = rounds.engine().stream().mapToDouble(Figure::imagesPerSecond).max().orElseThrow();
        double ratio = kafkaMedian / engineMedian;

        System.out.printf(Locale.ROOT, "%nend-to-end throughput, batch size %d, %d new tokens, bundle %s%n",
                settings.batchSize(), settings.maxNewTokens(), settings.bundle().getFileName());
        System.out.printf(Locale.ROOT, "%-36s %8s %10s %10s%n", "path", "images", "seconds", "images/s");
        for (Figure f : rounds.inOrder()) {
            System.out.printf(Locale.ROOT, "%-36s %8d %10.2f %10.2f%n", f.path(), f.images(), f.seconds(),
                    f.imagesPerSecond());
        }
        System.out.printf(Locale.ROOT, "median images/s: engine bench %.2f, kafka end to end %.2f%n", engineMedian,
                kafkaMedian);
        System.out.printf(Locale.ROOT, "ratio kafka / engine (medians): %.3f (target >= 0.95); "
                + "kafka median / fastest engine run: %.3f%n", ratio, kafkaMedian / bestEngine);

        ObjectNode root = json.createObjectNode();
        root.put("bundle", settings.bundle().toString());
        root.put("batch_size", settings.batchSize());
        root.put("max_new_tokens", settings.maxNewTokens());
        root.put("partitions", settings.partitions());
        root.put("rounds", settings.rounds());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        var engineRuns = root.putArray("engine_bench");
        rounds.engine().forEach(f -> put(engineRuns.addObject(), f));
        var kafkaRuns = root.putArray("kafka_end_to_end");
        rounds.kafka().forEach(f -> put(kafkaRuns.addObject(), f));
        root.put("engine_median_images_per_s", engineMedian);
        root.put("kafka_median_images_per_s", kafkaMedian);
        root.put("ratio", ratio);
        root.put("ratio_to_fastest_engine_run", kafkaMedian / bestEngine);
        Files.writeString(settings.out(), json.writerWithDefaultPrettyPrinter().writeValueAsString(root));
        System.out.println("written " + settings.out());
    }

    /** The measured runs, engine and Kafka alternating (the engine first and last). */
    record Rounds(List<Figure> engine, List<Figure> kafka) {
        List<Figure> inOrder() {
            List<Figure> all = new ArrayList<>();
            for (int i = 0; i < engine.size(); i++) {
                all.add(engine.get(i));
                if (i < kafka.size()) {
                    all.add(kafka.get(i));
                }
            }
            return all;
        }
    }

    static double median(List<Figure> figures) {
        double[] v = figures.stream().mapToDouble(Figure::imagesPerSecond).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void put(ObjectNode node, Figure f) {
        node.put("images", f.images());
        node.put("seconds", f.seconds());
        node.put("images_per_s", f.imagesPerSecond());
    }

    /** The engine's {@code bench} command of the packaged application, at the same batch size. */
    private static Figure engineBench(Settings s, ObjectMapper json, String label) throws Exception {
        Path out = s.out().resolveSibling("engine-bench.json");
        int repeat = Math.max(3, s.requests() / s.batchSize());
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
                "-jar", ServiceProcess.JAR.toString(), "bench", "--bundle", s.bundle().toString(),
                "--batch-sizes", Integer.toString(s.batchSize()), "--max-new-tokens", Integer.toString(s.maxNewTokens()),
                "--repeat", Integer.toString(repeat), "--json", out.toString()));
        if (s.allowSpinning()) {
            command.add("--allow-spinning");
        }
        Path slots = Files.createDirectories(s.out().resolveSibling("images"));
        for (int i = 0; i < s.batchSize(); i++) {
            Path base = IMAGES.get(i % IMAGES.size());
            String name = base.getFileName().toString();
            Path slot = slots.resolve("slot-" + i + name.substring(name.lastIndexOf('.')));
            Files.write(slot, TaggedImages.tagged(Files.readAllBytes(base), "slot-" + i));
            command.addAll(List.of("--image", slot.toString()));
        }
        System.out.println("engine bench: " + String.join(" ", command));
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("the engine bench did not finish in 10 minutes");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("the engine bench failed with exit status " + process.exitValue());
        }
        JsonNode row = json.readTree(out.toFile()).path("results").get(0);
        double imagesPerS = row.path("images_per_s").asDouble();
        int images = repeat * s.batchSize();
        return new Figure(label, images, images / imagesPerS);
    }

    /**
     * Broker → packaged service → result topic. The whole timed backlog is on the broker before
     * the clock starts: it is written inside one Kafka transaction, which the service (reading
     * committed records only) sees when it commits. The clock runs from the commit to the arrival
     * of the last result, so it covers consuming, processing and publishing every request.
     */
    private static Rounds interleaved(Settings s, ObjectMapper json) throws Exception {
        LowPriority.Started<TestBroker> started = LowPriority.call(REMOTE_NICE, TestBroker::start);
        System.out.println(started.nice() > 0
                ? "the broker, the load generator and the result consumer run at nice " + started.nice()
                        + " (SCHED_IDLE where allowed)"
                        + " (they stand in for a remote cluster and its clients)"
                : "the broker, the load generator and the result consumer run at normal priority");
        try (TestBroker broker = started.value()) {
            WireTopics topics = new WireTopics("bench.images", "bench.questions", "bench.captions", "bench.answers");
            broker.createTopics(List.of(topics.images(), topics.questions(), topics.captions(), topics.answers(),
                    "bench.dlq"), s.partitions());
            Map<String, String> env = new HashMap<>(Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                    "BLIP2_BUNDLE", s.bundle().toString(),
                    "BLIP2_TOPIC_IMAGES", topics.images(),
                    "BLIP2_TOPIC_QUESTIONS", topics.questions(),
                    "BLIP2_TOPIC_CAPTIONS", topics.captions(),
                    "BLIP2_TOPIC_ANSWERS", topics.answers(),
                    "BLIP2_TOPIC_DLQ", "bench.dlq",
                    "BLIP2_CONSUMER_GROUP", "bench",
                    "BLIP2_MAX_BATCH_SIZE", Integer.toString(s.batchSize()),
                    "BLIP2_VISION_CACHE_SIZE", "0"));
            env.put("BLIP2_ALLOW_SPINNING", Boolean.toString(s.allowSpinning()));
            // the JVM options of the deployment (k8s/base, Dockerfile.jvm); the engine bench's JVM has the same heap limit
            List<String> jvm = new ArrayList<>(List.of("-XX:MaxRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError",
                    "-Dmp.messaging.incoming.images-in.isolation.level=read_committed",
                    "-Dmp.messaging.incoming.questions-in.isolation.level=read_committed",
                    "-Xlog:gc:file=" + Path.of("target", "it-logs", "e2e-bench-gc.log").toAbsolutePath()));
            String extra = System.getenv("BENCH_SERVICE_JVM_OPTIONS");
            if (extra != null) {
                jvm.addAll(java.util.Arrays.stream(extra.trim().split(" +")).filter(o -> !o.isEmpty()).toList());
            }
            Map<String, Object> producerConfig = Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all",
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "e2e-bench-load",
                    ProducerConfig.LINGER_MS_CONFIG, 2,
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TestBroker.MAX_MESSAGE_BYTES,
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            // the service process is started from this thread, at normal priority
            try (ResultCollector results = LowPriority.call(started.nice(),
                         () -> new ResultCollector(broker.bootstrapServers(), List.of(topics.captions()))).value();
                 ServiceProcess service = ServiceProcess.start("e2e-bench", env, jvm).awaitReady(READY);
                 KafkaProducer<byte[], byte[]> producer = LowPriority.call(started.nice(),
                         () -> new KafkaProducer<byte[], byte[]>(producerConfig)).value()) {
                List<ProducerRecord<byte[], byte[]>> warmup = requests(s, topics, "warmup", s.warmup());
                producer.initTransactions();
                produce(producer, warmup);
                producer.commitTransaction();
                awaitResults(results, warmup, s.batchSize());
                List<Figure> engine = new ArrayList<>();
                List<Figure> kafka = new ArrayList<>();
                for (int round = 1; round <= s.rounds(); round++) {
                    engine.add(engineBench(s, json, "engine bench (in-process), run " + round));
                    kafka.add(timedWindow(s, topics, producer, results, service, started.nice(), round));
                }
                engine.add(engineBench(s, json, "engine bench (in-process), run " + (s.rounds() + 1)));
                service.terminate();   // a graceful end, so that a flight recording given in the JVM options is written
                service.awaitExit(Duration.ofSeconds(30));
                return new Rounds(engine, kafka);
            }
        }
    }

    /**
     * One timed window: {@code requests} records written in an open transaction, the clock started
     * at its commit and stopped at the arrival of the last result.
     */
    private static Figure timedWindow(Settings s, WireTopics topics, KafkaProducer<byte[], byte[]> producer,
                                      ResultCollector results, ServiceProcess service, int nice, int round)
            throws Exception {
        List<ProducerRecord<byte[], byte[]>> timed = requests(s, topics, "timed-" + round, s.requests());
        produce(producer, timed);
        System.out.printf(Locale.ROOT, "round %d: %d requests written to the broker in an open transaction; "
                + "the clock starts at its commit%n", round, timed.size());
        if (nice > 0 && LowPriority.reniceOtherThreads(nice)) {
            System.out.println("every other thread of the benchmark's JVM (its compiler and GC threads too)"
                    + " runs at nice " + nice + " (SCHED_IDLE where allowed)");
        }
        ThreadCpu serviceBefore = ThreadCpu.of(service.handle());
        ThreadCpu selfBefore = ThreadCpu.of(ProcessHandle.current());
        long start = System.nanoTime();
        producer.commitTransaction();
        awaitResults(results, timed, s.batchSize());
        long last = timed.stream()
                .mapToLong(r -> results.firstArrivalNanos(new String(r.key())).orElseThrow())
                .max().orElseThrow();
        ThreadCpu serviceAfter = ThreadCpu.of(service.handle());
        ThreadCpu selfAfter = ThreadCpu.of(ProcessHandle.current());
        printServiceSide(results, timed);
        System.out.println("timed window, service process: " + serviceAfter.since(serviceBefore, last - start, 8));
        System.out.println("timed window, benchmark JVM (broker, result consumer): "
                + selfAfter.since(selfBefore, last - start, 8));
        return new Figure("kafka end to end (service), round " + round, timed.size(), (last - start) / 1e9);
    }

    /** Means over the timed results, as the service reports them: where a request's time went. */
    private static void printServiceSide(ResultCollector results, List<ProducerRecord<byte[], byte[]>> timed) {
        String[] fields = {"queue", "preprocess", "vision", "generate", "total"};
        double[] sums = new double[fields.length];
        double batch = 0;
        for (ProducerRecord<byte[], byte[]> r : timed) {
            JsonNode result = results.results(new String(r.key())).getFirst();
            batch += result.path("batch_size").asDouble();
            for (int f = 0; f < fields.length; f++) {
                sums[f] += result.path("timing_ms").path(fields[f]).asDouble();
            }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "service side: mean batch size %.2f",
                batch / timed.size()));
        for (int f = 0; f < fields.length; f++) {
            line.append(String.format(Locale.ROOT, ", %s %.1f ms", fields[f], sums[f] / timed.size()));
        }
        System.out.println(line);
    }

    /** Which sample image request {@code i} carries: the engine bench's batch, slot by slot. */
    private static int imageOf(int i, int batchSize) {
        return i % batchSize % IMAGES.size();
    }

    /** Writes {@code records} in a new transaction, left open, every record on the broker. */
    private static void produce(KafkaProducer<byte[], byte[]> producer, List<ProducerRecord<byte[], byte[]>> records) {
        producer.beginTransaction();
        records.forEach(producer::send);
        producer.flush();
    }

    /** Waits for a result of every record and checks that none is an error. */
    private static void awaitResults(ResultCollector results, List<ProducerRecord<byte[], byte[]>> records,
                                     int batchSize) {
        List<String> ids = records.stream().map(r -> new String(r.key())).toList();
        await("results").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> results.missing(ids).isEmpty());
        Map<Integer, String> captionOfImage = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            String id = ids.get(i);
            JsonNode result = results.results(id).getFirst();
            String caption = result.path("text").asText(null);
            if (result.has("error") || caption == null) {
                throw new IllegalStateException("request " + id + " failed: " + result);
            }
            // the same picture (only its tag differs) must get the same caption, whatever its batch
            String first = captionOfImage.putIfAbsent(imageOf(i, batchSize), caption);
            if (first != null && !first.equals(caption)) {
                throw new IllegalStateException("request " + id + " got \"" + caption + "\", another request on the"
                        + " same image got \"" + first + "\"");
            }
        }
    }

    /**
     * Caption requests over the sample images, in the order the engine bench batches them; each
     * image tagged with its request id, so no request hits the service's vision cache.
     */
    private static List<ProducerRecord<byte[], byte[]>> requests(Settings s, WireTopics topics, String prefix, int count)
            throws IOException {
        SubmitRecords builder = new SubmitRecords(topics);
        String options = "{\"max_new_tokens\":" + s.maxNewTokens() + ",\"min_new_tokens\":" + s.maxNewTokens() + "}";
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "unused", "--image", "unused",
                "--options", options));
        List<byte[]> images = new ArrayList<>();
        for (Path image : IMAGES) {
            images.add(Files.readAllBytes(image));
        }
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            byte[] image = TaggedImages.tagged(images.get(imageOf(i, s.batchSize())), id);
            records.add(builder.build(args, id, image));
        }
        return records;
    }
}
