package io.blip2stream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.model.BundleException;
import io.blip2stream.pipeline.Blip2Engine;
import io.blip2stream.pipeline.EngineConfig;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.StageTimings;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code bench --bundle DIR [--batch-sizes 1,8,16] [--max-new-tokens 20] [--prompt TEXT] [--image FILE]…
 * [--repeat N] [--json FILE] [--threads N] [--device D] [--allow-spinning]}: greedy generation of exactly max-new-tokens tokens
 * (eos suppressed), one warm-up and N timed batches per batch size, the vision cache off.
 * Prints a table; {@code --json} also writes images_per_s, tokens_per_s, latency p50/p95,
 * mean stage times per batch size, model_images_per_s (vision + generate only), and the
 * process's peak RSS.
 */
public final class BenchCommand implements Command {
    static final List<CliOption> OPTIONS;
    static final int DEFAULT_WARM_UP_S = 5;
    /** Warm-up batch size: enough rows to run every per-image path many times a batch. */
    private static final int WARM_UP_BATCH = 8;

    static {
        List<CliOption> o = new ArrayList<>(List.of(
                CliOption.valued("--bundle", "DIR", "the model bundle directory (required)"),
                CliOption.valued("--batch-sizes", "N,N,...", "batch sizes to measure (default 1,8,16)"),
                CliOption.valued("--max-new-tokens", "N", "tokens generated per image, exactly (default 20)"),
                CliOption.valued("--prompt", "TEXT", "a raw prompt (default: the bundle's caption prompt)"),
                CliOption.valued("--image", "FILE", "an image to use (repeatable; default: generated pictures)"),
                CliOption.valued("--repeat", "N", "timed batches per batch size, after one warm-up (default 3)"),
                CliOption.valued("--warm-up-s", "S", "before measuring, run untimed batches for S seconds so that the JIT "
                        + "compiler is done, as in a running service (default 5; 0 = off)"),
                CliOption.valued("--json", "FILE", "also write the figures as JSON to FILE"),
                CliOption.valued("--workload", "KIND", "batches (default): fixed batches of one prompt; mixed: one third VQA "
                        + "(3 new tokens), captions (15), chat (40), through the inference worker, static micro-batches "
                        + "against continuous batching"),
                CliOption.valued("--requests", "N", "mixed: requests per run, at least one per class (default 96)"),
                CliOption.valued("--max-batch", "N", "mixed: most requests decoding together, both modes (default 8)"),
                CliOption.valued("--join-chunk", "N", "mixed: most newcomers admitted between two steps (default 4)"),
                CliOption.valued("--load", "F", "mixed: the steady rate as a fraction of static's backlog throughput "
                        + "(default 0.7)"),
                CliOption.valued("--rate", "R", "mixed: the steady rate in requests/s (instead of --load)")));
        o.addAll(EngineOptions.OPTIONS);
        OPTIONS = List.copyOf(o);
    }

    /** Figures of one batch size. */
    record Row(int batchSize, double imagesPerS, double tokensPerS, double p50, double p95, double[] stagesMs,
               double rssMb, double cpuMsPerBatch) {

        /** Images per second of process CPU time: steadier than wall time on a shared machine. */
        double imagesPerCpuS() {
            return batchSize / (cpuMsPerBatch / 1000);
        }

        /**
         * Images per second of the graphs' work alone (vision + generate): what a timing of Hugging
         * Face's {@code generate} from ready pixel tensors covers, without decoding and resizing.
         */
        double modelImagesPerS() {
            return batchSize / ((stagesMs[1] + stagesMs[2]) / 1000);
        }
    }

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure the model's speed per batch size in this process, no Kafka";
    }

    @Override
    public String usage() {
        return Usage.render("""
                blip2 bench --bundle DIR [--batch-sizes 1,8,16] [--max-new-tokens N] [--repeat N]
                                   [--prompt TEXT] [--image FILE]... [--json FILE] [engine options]""", """
                Greedy generation of exactly --max-new-tokens tokens per image (end of sequence
                suppressed), one warm-up and N timed batches per batch size, the vision cache off.
                Prints a table: images/s, tokens/s, latency p50/p95, stage times, peak RSS.""", OPTIONS);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        CliArgs a;
        int[] sizes;
        int maxNew;
        int repeat;
        int warmUpS;
        EngineConfig config;
        List<byte[]> given = new ArrayList<>();
        try {
            a = CliArgs.parse(args, OPTIONS);
            a.require("--bundle");
            String workload = a.get("--workload", "batches");
            if (workload.equals("mixed")) {
                return mixed(a, out);
            }
            if (!workload.equals("batches")) {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "--workload must be batches or mixed, got " + workload);
            }
            sizes = batchSizes(a.get("--batch-sizes", "1,8,16"));
            maxNew = a.getInt("--max-new-tokens", 20);
            repeat = a.getInt("--repeat", 3);
            atLeast("--repeat", repeat, 1);
            warmUpS = a.getInt("--warm-up-s", DEFAULT_WARM_UP_S);
            atLeast("--warm-up-s", warmUpS, 0);
            GenerationOptions.of(overrides(maxNew));   // every field is set: out of range fails here, before the model loads
            config = EngineOptions.config(a).withVisionCacheSize(0);   // every batch measured in full
            given.addAll(images(a));
        } catch (Blip2Exception e) {
            return CliError.of(e, ExitStatus.USAGE).printWithHint(name(), out, err);
        }
        try (Blip2Engine engine = Blip2Engine.open(Path.of(a.require("--bundle")), config)) {
            GenerationOptions options = GenerationOptions.merge(engine.defaultOptions(), overrides(maxNew),
                    GenerationOptions.MAX_NEW_TOKENS_LIMIT);
            String promptText = a.get("--prompt", null);
            Prompt prompt = promptText == null ? new Prompt.Caption() : new Prompt.Raw(promptText);
            out.printf(Locale.ROOT, "model %s (%s) on %s, K/V cache %s, %d new tokens, %d timed runs per batch size%n",
                    engine.modelName(), engine.modelDtype(), engine.executionProvider(), kvCache(engine), maxNew, repeat);
            if (warmUpS > 0) {
                int size = Math.min(WARM_UP_BATCH, Arrays.stream(sizes).max().orElseThrow());
                long w0 = System.nanoTime();
                int batches = warmUp(engine, size, maxNew, prompt, options, given, warmUpS * 1_000_000_000L);
                out.printf(Locale.ROOT, "JIT warm-up: %d batches of %d in %.1f s (untimed)%n", batches, size,
                        (System.nanoTime() - w0) / 1e9);
            }
            out.printf(Locale.ROOT, "%6s %10s %10s %9s %9s %9s %9s %9s %12s %8s %12s%n", "batch", "images/s", "tokens/s",
                    "p50 ms", "p95 ms", "vision", "generate", "other", "model img/s", "rss MB", "images/cpu-s");
            List<Row> rows = new ArrayList<>();
            for (int size : sizes) {
                Row r = measure(engine, size, maxNew, repeat, prompt, options, given);
                rows.add(r);
                out.printf(Locale.ROOT, "%6d %10.2f %10.1f %9.1f %9.1f %9.1f %9.1f %9.1f %12.2f %8.0f %12.2f%n",
                        r.batchSize(), r.imagesPerS(), r.tokensPerS(), r.p50(), r.p95(), r.stagesMs()[1],
                        r.stagesMs()[2], r.stagesMs()[0] + r.stagesMs()[3], r.modelImagesPerS(), r.rssMb(),
                        r.imagesPerCpuS());
            }
            double peak = ProcStatus.kilobytes("VmHWM") / 1024.0;
            out.printf(Locale.ROOT, "peak RSS %.0f MB%n", peak);
            String json = a.get("--json", null);
            return json == null ? ExitStatus.OK : writeJson(json, toJson(rows, peak, engine, maxNew), out);
        } catch (Blip2Exception e) {
            return CliError.of(e, ExitStatus.FAILED).print(out);
        } catch (BundleException e) {
            return CliError.of(CommandError.INVALID_BUNDLE, e.getMessage()).print(out);
        }
    }

    /**
     * {@code --workload mixed}: warm-up, then a backlog and a steady rate, each with static
     * micro-batches and with continuous batching, at the same maximum batch.
     */
    private int mixed(CliArgs a, PrintStream out) {
        int n = a.getInt("--requests", 96);
        int maxBatch = a.getInt("--max-batch", 8);
        int joinChunk = a.getInt("--join-chunk", 4);
        int warmUpS = a.getInt("--warm-up-s", DEFAULT_WARM_UP_S);
        MixedWorkload workload = MixedWorkload.standard(17);
        atLeast("--requests", n, workload.classes().size());   // every class gets a request, and its percentiles
        atLeast("--max-batch", maxBatch, 1);
        atLeast("--join-chunk", joinChunk, 1);
        atLeast("--warm-up-s", warmUpS, 0);
        double load = Double.parseDouble(a.get("--load", "0.7"));
        String rateText = a.get("--rate", null);
        if (!(load > 0) || load > 10) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "--load must be in (0, 10], got " + load);
        }
        EngineConfig config = EngineOptions.config(a).withVisionCacheSize(0);
        List<byte[]> given = images(a);
        try (Blip2Engine engine = Blip2Engine.open(Path.of(a.require("--bundle")), config)) {
            MixedBench bench = new MixedBench(engine, workload, maxBatch, java.time.Duration.ofMillis(20), joinChunk, given);
            out.printf(Locale.ROOT, "model %s (%s) on %s, K/V cache %s; mixed workload %s, %d requests per run, "
                            + "max batch %d, join chunk %d%n", engine.modelName(), engine.modelDtype(),
                    engine.executionProvider(), kvCache(engine), workload.classes().stream()
                            .map(c -> c.name() + " " + c.newTokens()).toList(), n, maxBatch, joinChunk);
            if (warmUpS > 0) {
                long end = System.nanoTime() + warmUpS * 1_000_000_000L;
                int runs = 0;
                do {
                    for (MixedBench.Scheduler s : MixedBench.Scheduler.values()) {
                        bench.run(s, 2 * maxBatch, 0);
                    }
                    runs++;
                } while (System.nanoTime() < end);
                out.printf(Locale.ROOT, "JIT warm-up: %d rounds of %d requests per mode (untimed)%n", runs, 2 * maxBatch);
            }
            List<MixedRun> runs = new ArrayList<>();
            MixedRun staticBacklog = bench.run(MixedBench.Scheduler.STATIC, n, 0);
            runs.add(staticBacklog);
            runs.add(bench.run(MixedBench.Scheduler.STATIC_FIFO, n, 0));
            MixedRun continuousBacklog = bench.run(MixedBench.Scheduler.CONTINUOUS, n, 0);
            runs.add(continuousBacklog);
            double rate = rateText != null ? Double.parseDouble(rateText) : load * staticBacklog.requestsPerS();
            MixedRun staticRate = bench.run(MixedBench.Scheduler.STATIC, n, rate);
            runs.add(staticRate);
            runs.add(bench.run(MixedBench.Scheduler.STATIC_FIFO, n, rate));
            MixedRun continuousRate = bench.run(MixedBench.Scheduler.CONTINUOUS, n, rate);
            runs.add(continuousRate);
            MixedRun.print(runs, out);
            String shortest = workload.classes().getFirst().name();
            double throughput = continuousBacklog.requestsPerS() / staticBacklog.requestsPerS();
            double throughputFifo = continuousBacklog.requestsPerS() / runs.get(1).requestsPerS();
            double shortP95 = continuousRate.p95Ms(shortest) / staticRate.p95Ms(shortest);
            out.printf(Locale.ROOT, "backlog throughput continuous/static %.2fx, continuous/static-fifo %.2fx; "
                    + "%s p95 at %.2f req/s continuous/static %.2f%n", throughput, throughputFifo, shortest, rate, shortP95);
            String json = a.get("--json", null);
            if (json != null) {
                com.fasterxml.jackson.databind.node.ObjectNode root = JsonOut.MAPPER.createObjectNode();
                root.put("model", engine.modelName());
                root.put("execution_provider", engine.executionProvider());
                root.put("max_batch", maxBatch);
                root.put("join_chunk", joinChunk);
                root.put("backlog_throughput_ratio", throughput);
                root.put("backlog_throughput_ratio_fifo", throughputFifo);
                root.put("short_p95_ratio_at_rate", shortP95);
                return writeJson(json, MixedRun.toJson(runs, root), out);
            }
            return ExitStatus.OK;
        } catch (Blip2Exception e) {
            return CliError.of(e, ExitStatus.FAILED).print(out);
        } catch (BundleException e) {
            return CliError.of(CommandError.INVALID_BUNDLE, e.getMessage()).print(out);
        }
    }

    /** The files of every {@code --image}, read. */
    private static List<byte[]> images(CliArgs a) {
        List<byte[]> given = new ArrayList<>();
        for (CliArgs.Opt o : a.all()) {
            if (o.name().equals("--image")) {
                given.add(InputFiles.read(Path.of(o.value())));
            }
        }
        return given;
    }

    /** Writes {@code root} to {@code path}: OK, or OUTPUT_FAILED printed. */
    private static int writeJson(String path, com.fasterxml.jackson.databind.JsonNode root, PrintStream out) {
        try {
            Files.writeString(Path.of(path), JsonOut.write(root));
            return ExitStatus.OK;
        } catch (IOException e) {
            return CliError.of(CommandError.OUTPUT_FAILED, "cannot write " + path + ": " + e.getMessage()).print(out);
        }
    }

    /** "1,8,16" → {1, 8, 16}; each at least 1. */
    static int[] batchSizes(String text) {
        String[] parts = text.split(",");
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST,
                        "--batch-sizes must be integers separated by commas, got '" + text + "'");
            }
            atLeast("batch size", sizes[i], 1);
        }
        return sizes;
    }

    private static void atLeast(String what, int value, int minimum) {
        if (value < minimum) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, what + " " + value + " is below the minimum " + minimum,
                    (long) minimum, null);
        }
    }

    private static List<InferenceRequest> batch(int size, Prompt prompt, GenerationOptions options, List<byte[]> given) {
        List<InferenceRequest> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            byte[] img = given.isEmpty() ? BenchImages.png(i) : given.get(i % given.size());
            batch.add(new InferenceRequest("bench-" + i, img, prompt, options));
        }
        return batch;
    }

    /**
     * Untimed batches until {@code nanos} have passed (at least one): the image decoders, the
     * resampler and the decoding loop are interpreted Java at first, compiled only after
     * thousands of calls, and a service runs compiled code. Returns how many batches ran.
     */
    private static int warmUp(Blip2Engine engine, int size, int maxNew, Prompt prompt, GenerationOptions options,
                              List<byte[]> given, long nanos) {
        List<InferenceRequest> batch = batch(size, prompt, options, given);
        long end = System.nanoTime() + nanos;
        int n = 0;
        do {
            run(engine, batch, maxNew);
            n++;
        } while (System.nanoTime() < end);
        return n;
    }

    private static Row measure(Blip2Engine engine, int size, int maxNew, int repeat, Prompt prompt,
                               GenerationOptions options, List<byte[]> given) {
        List<InferenceRequest> batch = batch(size, prompt, options, given);
        run(engine, batch, maxNew);   // warm-up of this batch size (first run of its shapes)
        double[] latency = new double[repeat];
        double[] stages = new double[4];
        long cpu0 = ProcStatus.processCpuNanos();
        for (int k = 0; k < repeat; k++) {
            long t0 = System.nanoTime();
            StageTimings t = run(engine, batch, maxNew);
            latency[k] = (System.nanoTime() - t0) / 1e6;
            stages[0] += t.preprocessMs() / repeat;
            stages[1] += t.visionMs() / repeat;
            stages[2] += t.generateMs() / repeat;
            stages[3] += t.decodeMs() / repeat;
        }
        double cpuMs = (ProcStatus.processCpuNanos() - cpu0) / 1e6 / repeat;
        double mean = Arrays.stream(latency).average().orElseThrow();
        double[] sorted = latency.clone();
        Arrays.sort(sorted);
        return new Row(size, size / (mean / 1000), (double) size * maxNew / (mean / 1000),
                percentile(sorted, 50), percentile(sorted, 95), stages, ProcStatus.kilobytes("VmRSS") / 1024.0, cpuMs);
    }

    private static StageTimings run(Blip2Engine engine, List<InferenceRequest> batch, int maxNew) {
        List<InferenceOutcome> outcomes = engine.infer(batch);
        StageTimings t = null;
        for (InferenceOutcome o : outcomes) {
            if (o instanceof InferenceOutcome.Failure f) {
                throw f.error();
            }
            InferenceOutcome.Success s = (InferenceOutcome.Success) o;
            if (s.sequences().getFirst().tokenIds().length != maxNew) {
                throw new Blip2Exception(ErrorCode.INFERENCE_FAILED, "generated "
                        + s.sequences().getFirst().tokenIds().length + " tokens instead of " + maxNew);
            }
            t = s.timings();
        }
        return t;
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static ObjectNode toJson(List<Row> rows, double peakMb, Blip2Engine engine, int maxNew) {
        ObjectNode root = JsonOut.MAPPER.createObjectNode();
        root.put("model", engine.modelName());
        root.put("dtype", engine.modelDtype());
        root.put("execution_provider", engine.executionProvider());
        root.put("kv_cache", kvCache(engine));
        root.put("max_new_tokens", maxNew);
        ArrayNode results = root.putArray("results");
        for (Row r : rows) {
            ObjectNode n = results.addObject();
            n.put("batch_size", r.batchSize());
            n.put("images_per_s", r.imagesPerS());
            n.put("model_images_per_s", r.modelImagesPerS());
            n.put("tokens_per_s", r.tokensPerS());
            ObjectNode lat = n.putObject("latency_ms");
            lat.put("p50", r.p50());
            lat.put("p95", r.p95());
            ObjectNode st = n.putObject("stages_ms");
            st.put("preprocess", r.stagesMs()[0]);
            st.put("vision", r.stagesMs()[1]);
            st.put("generate", r.stagesMs()[2]);
            st.put("decode", r.stagesMs()[3]);
            n.put("rss_mb", r.rssMb());
            n.put("cpu_ms_per_batch", r.cpuMsPerBatch());
            n.put("images_per_cpu_s", r.imagesPerCpuS());
        }
        root.put("peak_rss_mb", peakMb);
        return root;
    }

    /** "host" or "on CPU" / "on CUDA:0" (the device loop). */
    private static String kvCache(Blip2Engine engine) {
        String where = engine.kvCacheLocation();
        return "host".equals(where) ? "in host memory" : "on " + where + " (bound)";
    }

    /**
     * What every bench run generates, whatever the bundle's defaults: greedy, exactly
     * {@code maxNew} tokens per image (min = max), one sequence, no logits processor at work.
     */
    static GenerationOverrides overrides(int maxNew) {
        return GenerationOverrides.builder()
                .maxNewTokens(maxNew).minNewTokens(maxNew).numBeams(1).lengthPenalty(1.0).earlyStopping(false)
                .doSample(false).temperature(1.0).topK(50).topP(1.0).repetitionPenalty(1.0).noRepeatNgramSize(0)
                .numReturnSequences(1)
                .build();
    }
}
