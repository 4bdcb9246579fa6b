package io.blip2stream.pipeline.generate;

import io.blip2stream.onnx.LanguageModelStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The toy language model of {@code src/test/python/golden_toy_lm.py} as a {@link LanguageModelStep}:
 * {@code logits = (A[last] + B[prev]) + C[n % period]} in float32, over the row's unpadded
 * history ({@code prev} = 0 when the history holds one token).
 *
 * <p>Two ways to hold the rows, which must give the same logits:
 * <ul>
 *   <li>{@link Mode#INCREMENTAL}: a cache of (last, prev, n) per row, updated by each step, like a
 *       KV cache;</li>
 *   <li>{@link Mode#RECOMPUTE}: the full token history per row, recomputed from scratch each
 *       call (the naive reference).</li>
 * </ul>
 * Counts every row it computes, so tests can see finished rows leave.
 */
final class ToyLanguageModel implements LanguageModelStep {
    enum Mode { INCREMENTAL, RECOMPUTE }

    private final float[][] a; // [vocab, vocab]
    private final float[][] b; // [vocab, vocab]
    private final float[][] c; // [period, vocab]
    private final int vocab;
    private final Mode mode;
    private List<int[]> histories;  // RECOMPUTE: full unpadded history per row
    private int[][] cache;          // INCREMENTAL: [rows, 3] = last, prev, n
    private boolean prefilled;
    private boolean closed;
    private long rowsComputed;
    private final List<Integer> rowsPerCall = new ArrayList<>();

    ToyLanguageModel(float[][] a, float[][] b, float[][] c, List<int[]> prompts, Mode mode) {
        this.a = a;
        this.b = b;
        this.c = c;
        this.vocab = a[0].length;
        this.mode = mode;
        this.histories = new ArrayList<>();
        this.cache = new int[prompts.size()][];
        for (int r = 0; r < prompts.size(); r++) {
            int[] p = prompts.get(r);
            histories.add(p.clone());
            cache[r] = new int[] {p[p.length - 1], p.length >= 2 ? p[p.length - 2] : 0, p.length};
        }
    }

    /** Constant logits whatever the history: a fixed next-token distribution (for sampling statistics). */
    static ToyLanguageModel constant(float[] logits, int rows) {
        int v = logits.length;
        float[][] a = new float[v][];
        for (int i = 0; i < v; i++) {
            a[i] = logits.clone();
        }
        float[][] zeros = new float[v][v];
        List<int[]> prompts = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            prompts.add(new int[] {0});
        }
        return new ToyLanguageModel(a, zeros, new float[1][v], prompts, Mode.INCREMENTAL);
    }

    @Override
    public int vocabSize() {
        return vocab;
    }

    @Override
    public int rows() {
        return mode == Mode.RECOMPUTE ? histories.size() : cache.length;
    }

    @Override
    public float[] prefill() {
        if (prefilled) {
            throw new IllegalStateException("prefill called twice");
        }
        prefilled = true;
        return logits();
    }

    @Override
    public float[] step(long[] tokens) {
        if (!prefilled || closed) {
            throw new IllegalStateException("step before prefill or after close");
        }
        if (tokens.length != rows()) {
            throw new IllegalArgumentException(tokens.length + " tokens for " + rows() + " rows");
        }
        for (int r = 0; r < tokens.length; r++) {
            int t = Math.toIntExact(tokens[r]);
            if (mode == Mode.RECOMPUTE) {
                int[] h = histories.get(r);
                int[] next = Arrays.copyOf(h, h.length + 1);
                next[h.length] = t;
                histories.set(r, next);
            } else {
                int[] s = cache[r];
                cache[r] = new int[] {t, s[0], s[2] + 1};
            }
        }
        return logits();
    }

    @Override
    public void reorder(int[] source) {
        if (!prefilled) {
            throw new IllegalStateException("reorder before prefill");
        }
        if (mode == Mode.RECOMPUTE) {
            List<int[]> next = new ArrayList<>(source.length);
            for (int s : source) {
                next.add(histories.get(s).clone());
            }
            histories = next;
        } else {
            int[][] next = new int[source.length][];
            for (int i = 0; i < source.length; i++) {
                next[i] = cache[source[i]].clone();
            }
            cache = next;
        }
    }

    @Override
    public boolean canJoin() {
        return true;
    }

    /**
     * Newcomers: each row's prompt is its text ids (after the Q image positions) where the mask is
     * 1; their state is appended after the rows held.
     */
    @Override
    public float[] join(io.blip2stream.onnx.LmBatch batch) {
        List<int[]> prompts = new ArrayList<>();
        long[] ids = batch.textIds();
        long[] mask = batch.textMask();
        int s = batch.textLength();
        for (int r = 0; r < batch.rows(); r++) {
            List<Integer> p = new ArrayList<>();
            for (int t = 0; t < s; t++) {
                if (mask[r * s + t] != 0) {
                    p.add((int) ids[r * s + t]);
                }
            }
            prompts.add(p.stream().mapToInt(Integer::intValue).toArray());
        }
        int held = rows();
        if (mode == Mode.RECOMPUTE) {
            prompts.forEach(p -> histories.add(p.clone()));
        } else {
            int[][] grown = Arrays.copyOf(cache, held + prompts.size());
            for (int r = 0; r < prompts.size(); r++) {
                int[] p = prompts.get(r);
                grown[held + r] = new int[] {p[p.length - 1], p.length >= 2 ? p[p.length - 2] : 0, p.length};
            }
            cache = grown;
        }
        prefilled = true;
        float[] all = logits();
        rowsPerCall.set(rowsPerCall.size() - 1, prompts.size());
        return Arrays.copyOfRange(all, held * vocab, all.length);
    }

    /**
     * The toy's newcomers batch: Q = 1 image position (id 0), then the prompts right-aligned
     * (left padding with id 1 and mask 0).
     */
    static io.blip2stream.onnx.LmBatch batchOf(List<int[]> prompts) {
        int s = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        int t = 1 + s;
        long[] ids = new long[prompts.size() * t];
        long[] mask = new long[prompts.size() * t];
        for (int r = 0; r < prompts.size(); r++) {
            int[] p = prompts.get(r);
            mask[r * t] = 1;
            for (int i = 0; i < s; i++) {
                int j = i - (s - p.length);
                ids[r * t + 1 + i] = j < 0 ? 1 : p[j];
                mask[r * t + 1 + i] = j < 0 ? 0 : 1;
            }
        }
        return new io.blip2stream.onnx.LmBatch(prompts.size(), t, ids, mask, new float[prompts.size()], 1);
    }

    @Override
    public void close() {
        closed = true;
    }

    long rowsComputed() {
        return rowsComputed;
    }

    /** Rows computed by each prefill/step call, in order. */
    List<Integer> rowsPerCall() {
        return List.copyOf(rowsPerCall);
    }

    private float[] logits() {
        int rows = rows();
        float[] out = new float[rows * vocab]; // [rows, vocab]
        for (int r = 0; r < rows; r++) {
            int last;
            int prev;
            int n;
            if (mode == Mode.RECOMPUTE) {
                int[] h = histories.get(r);
                n = h.length;
                last = h[n - 1];
                prev = n >= 2 ? h[n - 2] : 0;
            } else {
                last = cache[r][0];
                prev = cache[r][1];
                n = cache[r][2];
            }
            float[] ar = a[last];
            float[] br = b[prev];
            float[] cr = c[n % c.length];
            for (int v = 0; v < vocab; v++) {
                out[r * vocab + v] = (ar[v] + br[v]) + cr[v];
            }
        }
        rowsComputed += rows;
        rowsPerCall.add(rows);
        return out;
    }
}
