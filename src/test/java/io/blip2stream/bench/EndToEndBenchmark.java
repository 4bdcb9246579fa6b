package io.blip2stream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.WireCodec;
import io.blip2stream.cli.MixedRun;
import io.blip2stream.cli.MixedWorkload;
import io.blip2stream.cli.SubmitArguments;
import io.blip2stream.cli.SubmitRecords;
import io.blip2stream.cli.WireTopics;
import io.blip2stream.it.ResultCollector;
import io.blip2stream.it.ServiceProcess;
import io.blip2stream.it.TestBroker;
import io.blip2stream.pipeline.Prompt;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

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
 * (ONNX Runtime threads spin-wait in both the engine bench and the service; default false),
 * {@code --workload batches|mixed} (batches: the above).
 *
 * <p><b>{@code --workload mixed}</b>: the mixed workload of {@code bench --workload mixed}
 * ({@link MixedWorkload}: one third VQA with 3 new tokens, captions with 15, chat turns with a
 * history and 40, exactly), through Kafka, against the service started once with
 * {@code BLIP2_BATCHING_MODE=static} and once with {@code continuous} (each on topics of its own,
 * the same {@code BLIP2_MAX_BATCH_SIZE}, warmed up with {@code --warmup} mixed requests). Each
 * service gets the requests first as a backlog (one transaction, timed from its commit), then at a
 * steady rate (each record timed from its send). Requests are the records {@code submit} builds:
 * captions on the images topic, VQA and chat on the questions topic, with their history and
 * generation options, and {@code return_token_ids}, so that every result is checked for its token
 * count. Prints a table (mode × arrival: requests/s, tokens/s, p50/p95 latency per class) and the
 * ratios continuous/static of the backlog throughput and of the VQA p95 at the steady rate; writes
 * JSON. Options: {@code --batch-size N} (8), {@code --requests N} (96 per run), {@code --warmup N}
 * (64 batches), {@code --load F} (0.7: the steady rate as a fraction of static's backlog throughput,
 * measured in the same run), {@code --rate R} (requests/s, instead of {@code --load}),
 * {@code --bundle}, {@code --partitions}, {@code --allow-spinning} as above, {@code --out FILE}
 * (target/benchmarks/e2e-mixed.json).
 *
 * <pre>mvn -o verify -Pe2e-bench -Dbench.args="--workload mixed --batch-size 8 --requests 96"</pre>
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
    /** The batching modes the mixed workload compares, in the order they run: static's backlog sets the rate. */
    private static final List<String> MODES = List.of("static", "continuous");

    /** The benchmark's settings. */
    record Settings(Path bundle, int batchSize, int requests, int warmup, int maxNewTokens, int partitions, Path out,
                    boolean allowSpinning, int rounds, String workload, double load, double rate) {

        static Settings parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                given.put(args[i], args[i + 1]);
            }
            String workload = given.getOrDefault("--workload", "batches");
            if (!workload.equals("batches") && !workload.equals("mixed")) {
                throw new IllegalArgumentException("--workload must be batches or mixed, got " + workload);
            }
            boolean mixed = workload.equals("mixed");
            int batch = Integer.parseInt(given.getOrDefault("--batch-size", "8"));
            double load = Double.parseDouble(given.getOrDefault("--load", "0.7"));
            if (!(load > 0) || load > 10) {
                throw new IllegalArgumentException("--load must be in (0, 10], got " + load);
            }
            return new Settings(
                    Path.of(given.getOrDefault("--bundle", "src/test/resources/bundles/tiny-opt")).toAbsolutePath(),
                    batch,
                    Integer.parseInt(given.getOrDefault("--requests", mixed ? "96" : "256")),
                    Integer.parseInt(given.getOrDefault("--warmup", Integer.toString(64 * batch))),
                    Integer.parseInt(given.getOrDefault("--max-new-tokens", "20")),
                    Integer.parseInt(given.getOrDefault("--partitions", "2")),
                    Path.of(given.getOrDefault("--out", mixed ? "target/benchmarks/e2e-mixed.json"
                            : "target/benchmarks/e2e.json")),
                    Boolean.parseBoolean(given.getOrDefault("--allow-spinning", "false")),
                    Integer.parseInt(given.getOrDefault("--rounds", "3")),
                    workload,
                    load,
                    Double.parseDouble(given.getOrDefault("--rate", "0")));
        }

        boolean mixed() {
            return workload.equals("mixed");
        }
    }

    /** One measured path. */
    record Figure(String path, int images, double seconds) {
        double imagesPerSecond() {
            return images / seconds;
        }
    }

    /** The topics of one service under test, named after {@code prefix}. */
    record BenchTopics(String prefix) {
        WireTopics wire() {
            return new WireTopics(prefix + ".images", prefix + ".questions", prefix + ".captions", prefix + ".answers");
        }

        String dlq() {
            return prefix + ".dlq";
        }

        List<String> all() {
            WireTopics t = wire();
            return List.of(t.images(), t.questions(), t.captions(), t.answers(), dlq());
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        Files.createDirectories(settings.out().toAbsolutePath().getParent());
        ObjectMapper json = new ObjectMapper();
        if (settings.mixed()) {
            mixed(settings, json);
        } else {
            batches(settings, json);
        }
    }

    /** The default workload: caption batches through Kafka against the engine bench. */
    private static void batches(Settings settings, ObjectMapper json) throws Exception {
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

        ObjectNode root = settingsJson(settings, json);
        root.put("max_new_tokens", settings.maxNewTokens());
        root.put("rounds", settings.rounds());
        var engineRuns = root.putArray("engine_bench");
        rounds.engine().forEach(f -> put(engineRuns.addObject(), f));
        var kafkaRuns = root.putArray("kafka_end_to_end");
        rounds.kafka().forEach(f -> put(kafkaRuns.addObject(), f));
        root.put("engine_median_images_per_s", engineMedian);
        root.put("kafka_median_images_per_s", kafkaMedian);
        root.put("ratio", ratio);
        root.put("ratio_to_fastest_engine_run", kafkaMedian / bestEngine);
        write(settings, json, root);
    }

    /** What every JSON output starts with: the setting of the run. */
    private static ObjectNode settingsJson(Settings settings, ObjectMapper json) {
        ObjectNode root = json.createObjectNode();
        root.put("bundle", settings.bundle().toString());
        root.put("workload", settings.workload());
        root.put("batch_size", settings.batchSize());
        root.put("partitions", settings.partitions());
        root.put("cores", Runtime.getRuntime().availableProcessors());
        return root;
    }

    private static void write(Settings settings, ObjectMapper json, ObjectNode root) throws IOException {
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

    /** Starts the broker at the priority of a remote machine, where the system allows it, and says which. */
    private static LowPriority.Started<TestBroker> startBroker() throws Exception {
        LowPriority.Started<TestBroker> started = LowPriority.call(REMOTE_NICE, TestBroker::start);
        System.out.println(started.nice() > 0
                ? "the broker, the load generator and the result consumer run at nice " + started.nice()
                        + " (SCHED_IDLE where allowed)"
                        + " (they stand in for a remote cluster and its clients)"
                : "the broker, the load generator and the result consumer run at normal priority");
        return started;
    }

    /**
     * Starts the packaged service on {@code topics} (from the calling thread, at its priority) and
     * waits until it is ready.
     *
     * @param extraEnvironment variables on top of the benchmark's ({@code BLIP2_BATCHING_MODE})
     */
    private static ServiceProcess startService(Settings s, TestBroker broker, BenchTopics topics, String name,
                                               Map<String, String> extraEnvironment) {
        WireTopics wire = topics.wire();
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "BLIP2_BUNDLE", s.bundle().toString(),
                "BLIP2_TOPIC_IMAGES", wire.images(),
                "BLIP2_TOPIC_QUESTIONS", wire.questions(),
                "BLIP2_TOPIC_CAPTIONS", wire.captions(),
                "BLIP2_TOPIC_ANSWERS", wire.answers(),
                "BLIP2_TOPIC_DLQ", topics.dlq(),
                "BLIP2_CONSUMER_GROUP", topics.prefix(),
                "BLIP2_MAX_BATCH_SIZE", Integer.toString(s.batchSize()),
                "BLIP2_VISION_CACHE_SIZE", "0"));
        env.put("BLIP2_ALLOW_SPINNING", Boolean.toString(s.allowSpinning()));
        env.putAll(extraEnvironment);
        // the JVM options of the deployment (k8s/base, Dockerfile.jvm); the engine bench's JVM has the same heap limit
        List<String> jvm = new ArrayList<>(List.of("-XX:MaxRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError",
                "-Dmp.messaging.incoming.images-in.isolation.level=read_committed",
                "-Dmp.messaging.incoming.questions-in.isolation.level=read_committed",
                "-Xlog:gc:file=" + Path.of("target", "it-logs", name + "-gc.log").toAbsolutePath()));
        String extra = System.getenv("BENCH_SERVICE_JVM_OPTIONS");
        if (extra != null) {
            jvm.addAll(Arrays.stream(extra.trim().split(" +")).filter(o -> !o.isEmpty()).toList());
        }
        return ServiceProcess.start(name, env, jvm).awaitReady(READY);
    }

    /** A producer of the load generator, its threads at {@code nice}; {@code extra} on top of the common settings. */
    private static KafkaProducer<byte[], byte[]> producer(TestBroker broker, int nice, Map<String, Object> extra)
            throws Exception {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, TestBroker.MAX_MESSAGE_BYTES,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        config.putAll(extra);
        return LowPriority.call(nice, () -> new KafkaProducer<byte[], byte[]>(config)).value();
    }

    /** The producer of backlogs: each written in one transaction, visible to the service at its commit. */
    private static KafkaProducer<byte[], byte[]> transactionalProducer(TestBroker broker, int nice) throws Exception {
        return producer(broker, nice, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "e2e-bench-load",
                ProducerConfig.LINGER_MS_CONFIG, 2));
    }

    /** The result consumer, its thread at {@code nice}. */
    private static ResultCollector collector(TestBroker broker, int nice, List<String> topics) throws Exception {
        return LowPriority.call(nice, () -> new ResultCollector(broker.bootstrapServers(), topics)).value();
    }

    /**
     * Broker → packaged service → result topic. The whole timed backlog is on the broker before
     * the clock starts: it is written inside one Kafka transaction, which the service (reading
     * committed records only) sees when it commits. The clock runs from the commit to the arrival
     * of the last result, so it covers consuming, processing and publishing every request.
     */
    private static Rounds interleaved(Settings s, ObjectMapper json) throws Exception {
        LowPriority.Started<TestBroker> started = startBroker();
        try (TestBroker broker = started.value()) {
            BenchTopics topics = new BenchTopics("bench");
            broker.createTopics(topics.all(), s.partitions());
            // the service process is started from this thread, at normal priority
            try (ResultCollector results = collector(broker, started.nice(), List.of(topics.wire().captions()));
                 ServiceProcess service = startService(s, broker, topics, "e2e-bench", Map.of());
                 KafkaProducer<byte[], byte[]> producer = transactionalProducer(broker, started.nice())) {
                List<ProducerRecord<byte[], byte[]>> warmup = requests(s, topics.wire(), "warmup", s.warmup());
                producer.initTransactions();
                produce(producer, warmup);
                producer.commitTransaction();
                awaitCaptions(results, warmup, s.batchSize());
                List<Figure> engine = new ArrayList<>();
                List<Figure> kafka = new ArrayList<>();
                for (int round = 1; round <= s.rounds(); round++) {
                    engine.add(engineBench(s, json, "engine bench (in-process), run " + round));
                    kafka.add(timedWindow(s, topics.wire(), producer, results, service, started.nice(), round));
                }
                engine.add(engineBench(s, json, "engine bench (in-process), run " + (s.rounds() + 1)));
                stop(service);
                return new Rounds(engine, kafka);
            }
        }
    }

    /** A graceful end, so that a flight recording given in the JVM options is written. */
    private static void stop(ServiceProcess service) {
        service.terminate();
        service.awaitExit(Duration.ofSeconds(30));
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
        lowerOtherThreads(nice);
        ThreadCpu serviceBefore = ThreadCpu.of(service.handle());
        ThreadCpu selfBefore = ThreadCpu.of(ProcessHandle.current());
        long start = System.nanoTime();
        producer.commitTransaction();
        awaitCaptions(results, timed, s.batchSize());
        long last = keys(timed).stream()
                .mapToLong(id -> results.firstArrivalNanos(id).orElseThrow())
                .max().orElseThrow();
        ThreadCpu serviceAfter = ThreadCpu.of(service.handle());
        ThreadCpu selfAfter = ThreadCpu.of(ProcessHandle.current());
        printServiceSide(results, keys(timed));
        System.out.println("timed window, service process: " + serviceAfter.since(serviceBefore, last - start, 8));
        System.out.println("timed window, benchmark JVM (broker, result consumer): "
                + selfAfter.since(selfBefore, last - start, 8));
        return new Figure("kafka end to end (service), round " + round, timed.size(), (last - start) / 1e9);
    }

    /**
     * Lowers the priority of every other thread of the benchmark's JVM (its compiler and GC
     * threads too, which work for the broker and the Kafka clients), before a timed window.
     */
    private static void lowerOtherThreads(int nice) {
        if (nice > 0 && LowPriority.reniceOtherThreads(nice)) {
            System.out.println("every other thread of the benchmark's JVM (its compiler and GC threads too)"
                    + " runs at nice " + nice + " (SCHED_IDLE where allowed)");
        }
    }

    /** Means over the timed results, as the service reports them: where a request's time went. */
    private static void printServiceSide(ResultCollector results, List<String> ids) {
        String[] fields = {"queue", "preprocess", "vision", "generate", "total"};
        double[] sums = new double[fields.length];
        double batch = 0;
        for (String id : ids) {
            JsonNode result = results.results(id).getFirst();
            batch += result.path("batch_size").asDouble();
            for (int f = 0; f < fields.length; f++) {
                sums[f] += result.path("timing_ms").path(fields[f]).asDouble();
            }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "service side: mean batch size %.2f",
                batch / ids.size()));
        for (int f = 0; f < fields.length; f++) {
            line.append(String.format(Locale.ROOT, ", %s %.1f ms", fields[f], sums[f] / ids.size()));
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

    /** The request ids of {@code records} (their keys). */
    private static List<String> keys(List<ProducerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
    }

    /** Waits for a result of every one of {@code ids}. */
    private static void awaitResults(ResultCollector results, List<String> ids) {
        await("results").atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> results.missing(ids).isEmpty());
    }

    /** The first result of {@code id}, checked: no error, a text. */
    private static JsonNode success(ResultCollector results, String id) {
        JsonNode result = results.results(id).getFirst();
        if (result.has("error") || !result.path("text").isTextual()) {
            throw new IllegalStateException("request " + id + " failed: " + result);
        }
        return result;
    }

    /** Waits for a result of every caption record and checks that none is an error. */
    private static void awaitCaptions(ResultCollector results, List<ProducerRecord<byte[], byte[]>> records,
                                      int batchSize) {
        List<String> ids = keys(records);
        awaitResults(results, ids);
        Map<Integer, String> captionOfImage = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            String id = ids.get(i);
            String caption = success(results, id).path("text").asText();
            // the same picture (only its tag differs) must get the same caption, whatever its batch
            String first = captionOfImage.putIfAbsent(imageOf(i, batchSize), caption);
            if (first != null && !first.equals(caption)) {
                throw new IllegalStateException("request " + id + " got \"" + caption + "\", another request on the"
                        + " same image got \"" + first + "\"");
            }
        }
    }

    /** The sample images' bytes, in the order of {@link #IMAGES}. */
    private static List<byte[]> sampleImages() throws IOException {
        List<byte[]> images = new ArrayList<>();
        for (Path image : IMAGES) {
            images.add(Files.readAllBytes(image));
        }
        return images;
    }

    /**
     * Caption requests over the sample images, in the order the engine bench batches them; each
     * image tagged with its request id, so no request hits the service's vision cache.
     */
    private static List<ProducerRecord<byte[], byte[]>> requests(Settings s, WireTopics topics, String prefix, int count)
            throws IOException {
        String options = "{\"max_new_tokens\":" + s.maxNewTokens() + ",\"min_new_tokens\":" + s.maxNewTokens() + "}";
        SubmitArguments args = SubmitArguments.parse(List.of("--bootstrap", "unused", "--image", "unused",
                "--options", options));
        List<byte[]> images = sampleImages();
        return records(topics, prefix, count, i -> args, i -> images.get(imageOf(i, s.batchSize())));
    }

    /**
     * The records {@code submit} builds for {@code count} requests, ids {@code prefix-i}: request
     * {@code i} as the command line {@code arguments(i)} asks, on {@code image(i)} tagged with its
     * id (so that no request hits the service's vision cache).
     */
    private static List<ProducerRecord<byte[], byte[]>> records(WireTopics topics, String prefix, int count,
                                                                IntFunction<SubmitArguments> arguments,
                                                                IntFunction<byte[]> image) {
        SubmitRecords builder = new SubmitRecords(topics);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            records.add(builder.build(arguments.apply(i), id, TaggedImages.tagged(image.apply(i), id)));
        }
        return records;
    }

    // ---- --workload mixed

    /**
     * The mixed workload against the service in each batching mode, one after the other on the
     * same broker: warm-up, backlog, steady rate. Prints the table and the ratios, writes JSON.
     */
    private static void mixed(Settings s, ObjectMapper json) throws Exception {
        MixedWorkload workload = MixedWorkload.standard(17);
        LowPriority.Started<TestBroker> started = startBroker();
        int nice = started.nice();
        try (TestBroker broker = started.value()) {
            Map<String, BenchTopics> topicsOf = new LinkedHashMap<>();
            List<String> resultTopics = new ArrayList<>();
            for (String mode : MODES) {
                BenchTopics topics = new BenchTopics("bench." + mode);
                broker.createTopics(topics.all(), s.partitions());
                topicsOf.put(mode, topics);
                resultTopics.addAll(List.of(topics.wire().captions(), topics.wire().answers()));
            }
            List<MixedRun> runs = new ArrayList<>();
            double rate = s.rate();
            try (ResultCollector results = collector(broker, nice, resultTopics);
                 KafkaProducer<byte[], byte[]> transactional = transactionalProducer(broker, nice);
                 KafkaProducer<byte[], byte[]> paced = producer(broker, nice, Map.of(ProducerConfig.LINGER_MS_CONFIG, 0))) {
                transactional.initTransactions();
                MixedLoad load = new MixedLoad(workload, results, transactional, paced, nice);
                for (String mode : MODES) {
                    WireTopics topics = topicsOf.get(mode).wire();
                    // the service process is started from this thread, at normal priority
                    try (ServiceProcess service = startService(s, broker, topicsOf.get(mode), "e2e-bench-" + mode,
                            Map.of("BLIP2_BATCHING_MODE", mode))) {
                        load.warmUp(topics, mode, s.warmup());
                        MixedRun backlog = load.backlog(topics, mode, s.requests());
                        runs.add(backlog);
                        if (rate <= 0) {
                            rate = s.load() * backlog.requestsPerS();   // static runs first: its backlog sets the rate
                        }
                        runs.add(load.steady(topics, mode, s.requests(), rate));
                        stop(service);
                    }
                }
            }
            printMixed(s, workload, runs, rate, json);
        }
    }

    /** The table, the ratios continuous/static, and the JSON of the mixed runs (static backlog, rate, then continuous). */
    private static void printMixed(Settings s, MixedWorkload workload, List<MixedRun> runs, double rate,
                                   ObjectMapper json) throws IOException {
        MixedRun staticBacklog = runs.get(0);
        MixedRun staticRate = runs.get(1);
        MixedRun continuousBacklog = runs.get(2);
        MixedRun continuousRate = runs.get(3);
        String shortest = workload.classes().getFirst().name();
        double throughput = continuousBacklog.requestsPerS() / staticBacklog.requestsPerS();
        double shortP95 = continuousRate.p95Ms(shortest) / staticRate.p95Ms(shortest);

        System.out.printf(Locale.ROOT, "%nend-to-end mixed workload through Kafka, bundle %s, max batch %d, "
                        + "%d requests per run (%s new tokens)%n", s.bundle().getFileName(), s.batchSize(), s.requests(),
                String.join(", ", workload.classes().stream().map(c -> c.name() + " " + c.newTokens()).toList()));
        MixedRun.print(runs, System.out);
        System.out.printf(Locale.ROOT, "backlog throughput continuous/static %.2fx; %s p95 at %.2f req/s "
                + "continuous/static %.2f%n", throughput, shortest, rate, shortP95);

        ObjectNode root = settingsJson(s, json);
        root.put("requests", s.requests());
        root.put("warmup", s.warmup());
        root.put("rate_per_s", rate);
        var classes = root.putObject("new_tokens");
        workload.classes().forEach(c -> classes.put(c.name(), c.newTokens()));
        root.put("backlog_throughput_ratio", throughput);
        root.put("short_class", shortest);
        root.put("short_p95_ratio_at_rate", shortP95);
        MixedRun.toJson(runs, root);
        write(s, json, root);
    }

    /**
     * The load generator of the mixed workload: its requests as the records {@code submit} builds,
     * written as a backlog or at a steady rate, each result checked and timed.
     */
    private static final class MixedLoad {
        private final MixedWorkload workload;
        private final ResultCollector results;
        private final KafkaProducer<byte[], byte[]> transactional;
        private final KafkaProducer<byte[], byte[]> paced;
        private final int nice;
        private final Map<String, SubmitArguments> argumentsOf;
        private final List<byte[]> images;

        MixedLoad(MixedWorkload workload, ResultCollector results, KafkaProducer<byte[], byte[]> transactional,
                  KafkaProducer<byte[], byte[]> paced, int nice) throws IOException {
            this.workload = workload;
            this.results = results;
            this.transactional = transactional;
            this.paced = paced;
            this.nice = nice;
            this.argumentsOf = submitArguments(workload);
            this.images = sampleImages();
        }

        /**
         * The {@code submit} command line of each class: its task, question and history, and its
         * options with the token ids asked for (so that each result's count can be checked).
         */
        private static Map<String, SubmitArguments> submitArguments(MixedWorkload workload) throws IOException {
            ObjectMapper json = new ObjectMapper();
            WireCodec codec = new WireCodec();
            Map<String, SubmitArguments> byClass = new HashMap<>();
            for (MixedWorkload.RequestClass c : workload.classes()) {
                ObjectNode options = (ObjectNode) json.readTree(codec.encode(c.overrides()));
                options.put("return_token_ids", true);
                List<String> line = new ArrayList<>(List.of("--bootstrap", "unused", "--image", "unused",
                        "--options", json.writeValueAsString(options)));
                switch (c.prompt()) {
                    case Prompt.Caption _ -> {
                    }
                    case Prompt.Vqa vqa -> line.addAll(List.of("--question", vqa.question()));
                    case Prompt.Chat chat -> line.addAll(List.of("--question", chat.question(),
                            "--history", json.writeValueAsString(chat.history())));
                    case Prompt.Raw _ -> throw new IllegalArgumentException(c.name() + ": a raw prompt has no request");
                }
                byClass.put(c.name(), SubmitArguments.parse(line));
            }
            return byClass;
        }

        /** The records of requests of {@code classes}, ids {@code prefix-i}, over the sample images in turn. */
        private List<ProducerRecord<byte[], byte[]>> records(WireTopics topics, String prefix,
                                                             List<MixedWorkload.RequestClass> classes) {
            return EndToEndBenchmark.records(topics, prefix, classes.size(),
                    i -> argumentsOf.get(classes.get(i).name()), i -> images.get(i % images.size()));
        }

        /** {@code count} requests in one transaction, untimed: the service's JIT compiler done with every path. */
        void warmUp(WireTopics topics, String mode, int count) {
            List<MixedWorkload.RequestClass> classes = workload.sequence(count);
            List<ProducerRecord<byte[], byte[]>> records = records(topics, mode + "-warmup", classes);
            produce(transactional, records);
            transactional.commitTransaction();
            awaitChecked(keys(records), classes);
        }

        /** {@code n} requests in one transaction, each timed from its commit. */
        MixedRun backlog(WireTopics topics, String mode, int n) {
            List<MixedWorkload.RequestClass> classes = workload.sequence(n);
            List<ProducerRecord<byte[], byte[]>> records = records(topics, mode + "-backlog", classes);
            produce(transactional, records);
            System.out.printf(Locale.ROOT, "%s: %d requests written to the broker in an open transaction; "
                    + "the clock starts at its commit%n", mode, n);
            lowerOtherThreads(nice);
            long start = System.nanoTime();
            transactional.commitTransaction();
            long[] arrived = new long[n];
            Arrays.fill(arrived, start);
            return measured(mode, 0, classes, keys(records), start, arrived);
        }

        /** {@code n} requests at {@code perSecond}, each record timed from its send (built beforehand). */
        MixedRun steady(WireTopics topics, String mode, int n, double perSecond) {
            List<MixedWorkload.RequestClass> classes = workload.sequence(n);
            List<ProducerRecord<byte[], byte[]>> records = records(topics, mode + "-rate", classes);
            paced.partitionsFor(topics.images());      // the topics' metadata is there before the clock starts
            paced.partitionsFor(topics.questions());
            System.out.printf(Locale.ROOT, "%s: %d requests at %.2f/s, each timed from its send%n", mode, n, perSecond);
            long[] sent = new long[n];
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                MixedWorkload.awaitArrival(start, i, perSecond);
                sent[i] = System.nanoTime();
                paced.send(records.get(i));
            }
            paced.flush();
            return measured(mode, perSecond, classes, keys(records), start, sent);
        }

        /** Waits for the results, checks them, and times each from its arrival to its result. */
        private MixedRun measured(String mode, double perSecond, List<MixedWorkload.RequestClass> classes,
                                  List<String> ids, long start, long[] arrived) {
            int counted = awaitChecked(ids, classes);
            System.out.printf(Locale.ROOT, "%d results, no error, the token count as requested on the %d that carry "
                    + "token ids%n", ids.size(), counted);
            long[] done = ids.stream().mapToLong(id -> results.firstArrivalNanos(id).orElseThrow()).toArray();
            printServiceSide(results, ids);
            return MixedRun.of(mode, perSecond, workload, classes, start, arrived, done);
        }

        /**
         * Waits for a result of every request; each must be a success with its class's token count,
         * where it carries token ids.
         *
         * @return how many carried token ids
         */
        private int awaitChecked(List<String> ids, List<MixedWorkload.RequestClass> classes) {
            awaitResults(results, ids);
            int counted = 0;
            for (int i = 0; i < ids.size(); i++) {
                JsonNode tokens = success(results, ids.get(i)).path("token_ids").path(0);
                int expected = classes.get(i).newTokens();
                if (tokens.isArray() && tokens.size() != expected) {
                    throw new IllegalStateException("request " + ids.get(i) + " (" + classes.get(i).name()
                            + ") generated " + tokens.size() + " tokens, not " + expected);
                }
                counted += tokens.isArray() ? 1 : 0;
            }
            return counted;
        }
    }
}
