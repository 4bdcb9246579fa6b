package io.blip2stream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.pipeline.EngineStats;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one run of the mixed workload ({@link MixedWorkload}): one scheduling mode, the
 * requests arriving as a backlog or at a steady rate. Shared by {@code bench --workload mixed} and
 * the end-to-end benchmark, with the table and the JSON they print and write.
 *
 * @param mode      how requests were batched ("static", "continuous", …)
 * @param ratePerS  arrivals per second, 0 for a backlog
 * @param latencyMs per class: p50, p95 of arrival → result
 * @param stages    where the engine's time went during the run (null when not known: the service
 *                  ran in another process)
 */
public record MixedRun(String mode, double ratePerS, int requests, double wallS, double requestsPerS,
                       double tokensPerS, Map<String, double[]> latencyMs, EngineStats.Snapshot stages) {

    /** The same run with the engine's stage counts over it. */
    public MixedRun withStages(EngineStats.Snapshot counted) {
        return new MixedRun(mode, ratePerS, requests, wallS, requestsPerS, tokensPerS, latencyMs, counted);
    }

    /**
     * The figures of {@code classes.size()} requests of {@code workload}, request {@code i}
     * arriving at {@code arrivedNanos[i]} and done at {@code doneNanos[i]} ({@link System#nanoTime()}),
     * the run starting at {@code startNanos} and ending with the last result.
     */
    public static MixedRun of(String mode, double ratePerS, MixedWorkload workload,
                              List<MixedWorkload.RequestClass> classes, long startNanos, long[] arrivedNanos,
                              long[] doneNanos) {
        int n = classes.size();
        double wallS = (Arrays.stream(doneNanos).max().orElseThrow() - startNanos) / 1e9;
        Map<String, double[]> latency = new LinkedHashMap<>();
        for (MixedWorkload.RequestClass c : workload.classes()) {
            double[] ms = new double[(int) classes.stream().filter(c::equals).count()];
            int k = 0;
            for (int i = 0; i < n; i++) {
                if (classes.get(i).equals(c)) {
                    ms[k++] = (doneNanos[i] - arrivedNanos[i]) / 1e6;
                }
            }
            Arrays.sort(ms);
            latency.put(c.name(), new double[]{BenchCommand.percentile(ms, 50), BenchCommand.percentile(ms, 95)});
        }
        long tokens = classes.stream().mapToLong(MixedWorkload.RequestClass::newTokens).sum();
        return new MixedRun(mode, ratePerS, n, wallS, n / wallS, tokens / wallS, latency, null);
    }

    /** The 95th percentile latency of class {@code name}, in milliseconds. */
    public double p95Ms(String name) {
        return latencyMs.get(name)[1];
    }

    /** "backlog" or the rate, as the table shows it. */
    private String arrival() {
        return ratePerS <= 0 ? "backlog" : String.format(Locale.ROOT, "%.2f/s", ratePerS);
    }

    /** Prints a table of the runs: mode × arrival, requests/s, tokens/s, wall time, p50/p95 per class. */
    public static void print(List<MixedRun> runs, PrintStream out) {
        List<String> classes = new ArrayList<>(runs.getFirst().latencyMs().keySet());
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-11s %-10s %8s %9s %9s",
                "mode", "arrival", "req/s", "tokens/s", "wall s"));
        for (String c : classes) {
            h.append(String.format(Locale.ROOT, " %17s", c + " p50/p95 ms"));
        }
        out.println(h);
        for (MixedRun r : runs) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-11s %-10s %8.2f %9.1f %9.1f",
                    r.mode(), r.arrival(), r.requestsPerS(), r.tokensPerS(), r.wallS()));
            for (String c : classes) {
                double[] v = r.latencyMs().get(c);
                line.append(String.format(Locale.ROOT, " %8.0f/%8.0f", v[0], v[1]));
            }
            out.println(line);
        }
        if (runs.stream().anyMatch(r -> r.stages() != null)) {
            out.println();
            out.println(String.format(Locale.ROOT, "%-11s %-10s %24s %24s %32s %9s", "stages", "arrival",
                    "vision s (runs, img/run)", "prefill s (runs, rows/run)", "decode s (steps, rows/step, ms)",
                    "reorder s"));
            for (MixedRun r : runs) {
                EngineStats.Snapshot s = r.stages();
                if (s == null) {
                    continue;
                }
                out.println(String.format(Locale.ROOT, "%-11s %-10s %7.1f (%5d, %5.2f)      %7.1f (%5d, %5.2f)       "
                                + "%7.1f (%5d, %5.2f, %5.1f)       %9.1f",
                        r.mode(), r.arrival(), s.visionNanos() / 1e9, s.visionRuns(), s.imagesPerVisionRun(),
                        s.prefillNanos() / 1e9, s.prefillRuns(), s.rowsPerPrefill(), s.stepNanos() / 1e9, s.steps(),
                        s.rowsPerStep(), s.steps() == 0 ? 0 : s.stepNanos() / 1e6 / s.steps(), s.reorderNanos() / 1e9));
            }
        }
    }

    /** Adds the runs to {@code root} as its {@code mixed} array. */
    public static ObjectNode toJson(List<MixedRun> runs, ObjectNode root) {
        ArrayNode arr = root.putArray("mixed");
        for (MixedRun r : runs) {
            ObjectNode n = arr.addObject();
            n.put("mode", r.mode());
            n.put("arrival", r.ratePerS() <= 0 ? "backlog" : "rate");
            n.put("rate_per_s", r.ratePerS());
            n.put("requests", r.requests());
            n.put("wall_s", r.wallS());
            n.put("requests_per_s", r.requestsPerS());
            n.put("tokens_per_s", r.tokensPerS());
            ObjectNode lat = n.putObject("latency_ms");
            r.latencyMs().forEach((c, v) -> {
                ObjectNode cn = lat.putObject(c);
                cn.put("p50", v[0]);
                cn.put("p95", v[1]);
            });
            EngineStats.Snapshot s = r.stages();
            if (s != null) {
                ObjectNode st = n.putObject("stages");
                st.put("vision_s", s.visionNanos() / 1e9);
                st.put("vision_runs", s.visionRuns());
                st.put("vision_images", s.visionImages());
                st.put("prefill_s", s.prefillNanos() / 1e9);
                st.put("prefill_runs", s.prefillRuns());
                st.put("prefill_rows", s.prefillRows());
                st.put("decode_s", s.stepNanos() / 1e9);
                st.put("decode_steps", s.steps());
                st.put("decode_rows", s.stepRows());
                st.put("reorder_s", s.reorderNanos() / 1e9);
            }
        }
        return root;
    }
}
