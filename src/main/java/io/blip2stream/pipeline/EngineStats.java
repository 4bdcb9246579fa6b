package io.blip2stream.pipeline;

import java.util.concurrent.atomic.LongAdder;

/**
 * Where an engine's time goes, counted since it was built: vision graph runs (images served from
 * the vision cache are not counted),
 * prefills (prompts through the language model, with a continuous batch's cache join), decoding
 * steps (one token per row) and cache reorders (rows leaving, beams). Static micro-batches and
 * continuous batching count alike, so the two can be set side by side stage by stage: rows per
 * step and per prefill are what batching buys. Thread-safe; read by the metrics and by
 * {@code bench --workload mixed}.
 */
public final class EngineStats {

    /**
     * The counts at one moment.
     *
     * @param visionRuns   vision stage runs
     * @param visionImages images through them
     * @param prefillRuns  language-model runs over prompts
     * @param prefillRows  prompts in them
     * @param steps        decoder runs of one token per row
     * @param stepRows     rows in them
     * @param reorderNanos time spent reordering the cache (rows left, beams reordered)
     */
    public record Snapshot(long visionRuns, long visionImages, long visionNanos,
                           long prefillRuns, long prefillRows, long prefillNanos,
                           long steps, long stepRows, long stepNanos, long reorderNanos) {

        /** Nothing counted (an engine that keeps no counts). */
        public static final Snapshot ZERO = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** What was counted between {@code earlier} and this one. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(visionRuns - earlier.visionRuns, visionImages - earlier.visionImages,
                    visionNanos - earlier.visionNanos, prefillRuns - earlier.prefillRuns,
                    prefillRows - earlier.prefillRows, prefillNanos - earlier.prefillNanos, steps - earlier.steps,
                    stepRows - earlier.stepRows, stepNanos - earlier.stepNanos, reorderNanos - earlier.reorderNanos);
        }

        /** Rows per decoder run (0 when none ran). */
        public double rowsPerStep() {
            return steps == 0 ? 0 : (double) stepRows / steps;
        }

        /** Prompts per prefill (0 when none ran). */
        public double rowsPerPrefill() {
            return prefillRuns == 0 ? 0 : (double) prefillRows / prefillRuns;
        }

        /** Images per vision run (0 when none ran). */
        public double imagesPerVisionRun() {
            return visionRuns == 0 ? 0 : (double) visionImages / visionRuns;
        }
    }

    private final LongAdder visionRuns = new LongAdder();
    private final LongAdder visionImages = new LongAdder();
    private final LongAdder visionNanos = new LongAdder();
    private final LongAdder prefillRuns = new LongAdder();
    private final LongAdder prefillRows = new LongAdder();
    private final LongAdder prefillNanos = new LongAdder();
    private final LongAdder steps = new LongAdder();
    private final LongAdder stepRows = new LongAdder();
    private final LongAdder stepNanos = new LongAdder();
    private final LongAdder reorderNanos = new LongAdder();

    void vision(int runs, int images, long nanos) {
        visionRuns.add(runs);
        visionImages.add(images);
        visionNanos.add(nanos);
    }

    void prefill(int rows, long nanos) {
        prefillRuns.increment();
        prefillRows.add(rows);
        prefillNanos.add(nanos);
    }

    void step(int rows, long nanos) {
        steps.increment();
        stepRows.add(rows);
        stepNanos.add(nanos);
    }

    void reorder(long nanos) {
        reorderNanos.add(nanos);
    }

    public Snapshot snapshot() {
        return new Snapshot(visionRuns.sum(), visionImages.sum(), visionNanos.sum(), prefillRuns.sum(),
                prefillRows.sum(), prefillNanos.sum(), steps.sum(), stepRows.sum(), stepNanos.sum(), reorderNanos.sum());
    }
}
