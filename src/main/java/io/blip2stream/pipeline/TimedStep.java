package io.blip2stream.pipeline;

import io.blip2stream.onnx.LanguageModelStep;
import io.blip2stream.onnx.LmBatch;

/**
 * A {@link LanguageModelStep} whose prefills, steps and reorders are counted and timed into an
 * {@link EngineStats}; everything else goes to the step it wraps unchanged.
 */
final class TimedStep implements LanguageModelStep {
    private final LanguageModelStep step;
    private final EngineStats stats;

    TimedStep(LanguageModelStep step, EngineStats stats) {
        this.step = step;
        this.stats = stats;
    }

    @Override
    public int vocabSize() {
        return step.vocabSize();
    }

    @Override
    public int rows() {
        return step.rows();
    }

    @Override
    public float[] prefill() {
        long t0 = System.nanoTime();
        float[] logits = step.prefill();   // [rows, V]
        stats.prefill(step.rows(), System.nanoTime() - t0);
        return logits;
    }

    @Override
    public float[] step(long[] tokens) {
        long t0 = System.nanoTime();
        float[] logits = step.step(tokens);   // [rows, V]
        stats.step(tokens.length, System.nanoTime() - t0);
        return logits;
    }

    @Override
    public void reorder(int[] source) {
        long t0 = System.nanoTime();
        step.reorder(source);
        stats.reorder(System.nanoTime() - t0);
    }

    @Override
    public boolean canJoin() {
        return step.canJoin();
    }

    @Override
    public float[] join(LmBatch batch) {
        long t0 = System.nanoTime();
        float[] logits = step.join(batch);   // [k, V]
        stats.prefill(batch.rows(), System.nanoTime() - t0);
        return logits;
    }

    @Override
    public void close() {
        step.close();
    }
}
