package io.blip2stream.pipeline;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.onnx.VisionGraph;
import io.blip2stream.pipeline.preprocess.ImagePreprocessor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The vision stage of a micro-batch: looks every image up in the {@link VisionCache}, decodes and
 * preprocesses the misses in parallel (an image seen twice in one batch once), and runs the vision graph once
 * over all of them (in chunks of at most {@code maxBatch}). A bad image fails alone. The CPU part
 * ({@link #prepare}) and the graph part ({@link #run}) may be called apart, so that one batch is
 * prepared while the previous one runs.
 */
public final class VisionEncoder {
    private final ImagePreprocessor preprocessor;
    private final VisionGraph graph;
    private final VisionCache cache;
    private final int maxBatch;

    public VisionEncoder(ImagePreprocessor preprocessor, VisionGraph graph, VisionCache cache, int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("vision max batch must be >= 1");
        }
        this.preprocessor = preprocessor;
        this.graph = graph;
        this.cache = cache;
        this.maxBatch = maxBatch;
    }

    /**
     * One image's vision output or its error.
     *
     * @param embeds   float[Q * D] (shared with the cache: read only)  // [Q, D]
     * @param cacheHit whether the embeddings came from the cache
     */
    public record Item(float[] embeds, boolean cacheHit, Blip2Exception error) {
    }

    /**
     * Items in input order, with the time spent preprocessing and in the vision graph.
     *
     * @param encoded images the graph ran on (the others came from the cache, or failed)
     * @param runs    graph runs they took (at most the encoder's batch each)
     */
    public record Result(List<Item> items, double preprocessMs, double visionMs, int encoded, int runs) {
    }

    /**
     * A batch's images after the CPU work (cache look-up, decoding, resizing, normalising), before
     * the vision graph. Made by {@link #prepare}, consumed once by {@link #run}.
     *
     * @param done         per input position: its item when known already (an error, a cache hit), else null
     * @param pending      digest → the input positions waiting for it
     * @param order        digests whose pixels are in {@code pixels}, in that order
     * @param pixels       preprocessed images                              // [order.size(), 3, h, w]
     * @param preprocessMs time spent preparing
     */
    public record Staged(Item[] done, Map<String, List<Integer>> pending, List<String> order, float[] pixels,
                         double preprocessMs) {

        /**
         * Batches prepared apart as one, in order: positions follow on, and an image prepared in
         * two parts is encoded once (its first part's pixels).
         *
         * @param parts     each part's staging, or null where its whole batch failed earlier
         * @param sizes     each part's number of input positions
         * @param perImage  floats per preprocessed image (3 * h * w)
         */
        static Staged concat(List<Staged> parts, int[] sizes, int perImage) {
            int n = Arrays.stream(sizes).sum();
            Item[] done = new Item[n];
            Map<String, List<Integer>> pending = new HashMap<>();
            List<String> order = new ArrayList<>();
            List<float[]> from = new ArrayList<>();   // source array of each order entry
            List<Integer> slot = new ArrayList<>();   // its image index there
            double ms = 0;
            int base = 0;
            for (int p = 0; p < parts.size(); p++) {
                Staged part = parts.get(p);
                if (part != null) {
                    System.arraycopy(part.done(), 0, done, base, part.done().length);
                    for (int k = 0; k < part.order().size(); k++) {
                        String key = part.order().get(k);
                        List<Integer> positions = pending.get(key);
                        if (positions == null) {
                            positions = new ArrayList<>();
                            pending.put(key, positions);
                            order.add(key);
                            from.add(part.pixels());
                            slot.add(k);
                        }
                        for (int i : part.pending().get(key)) {
                            positions.add(base + i);
                        }
                    }
                    ms += part.preprocessMs();
                }
                base += sizes[p];
            }
            float[] pixels = new float[order.size() * perImage];   // [order.size(), 3, h, w]
            for (int k = 0; k < order.size(); k++) {
                System.arraycopy(from.get(k), slot.get(k) * perImage, pixels, k * perImage, perImage);
            }
            return new Staged(done, pending, List.copyOf(order), pixels, ms);
        }
    }

    /** Floats per preprocessed image (3 * h * w). */
    int pixelsPerImage() {
        return graph.pixelsPerImage();
    }

    /** {@link #prepare} then {@link #run}. */
    public Result encode(List<byte[]> images) {
        return run(prepare(images));
    }

    /**
     * Looks every image up in the cache and decodes and preprocesses the misses (in parallel, an
     * image seen twice once). Needs no vision graph: may run while another batch is in {@link #run}.
     */
    public Staged prepare(List<byte[]> images) {
        long t0 = System.nanoTime();
        Item[] done = new Item[images.size()];
        Map<String, List<Integer>> pending = new HashMap<>();   // digest -> positions waiting for it
        List<String> order = new ArrayList<>();                   // digests to compute, first-seen order
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            byte[] img = images.get(i);
            if (img == null || img.length == 0) {
                done[i] = new Item(null, false, new Blip2Exception(ErrorCode.INVALID_IMAGE, "the image is empty"));
                continue;
            }
            String key = VisionCache.digest(img);
            List<Integer> waiting = pending.get(key);
            if (waiting != null) {
                waiting.add(i);
                continue;
            }
            float[] cached = cache.get(key);
            if (cached != null) {
                done[i] = new Item(cached, true, null);
                continue;
            }
            List<Integer> w = new ArrayList<>();
            w.add(i);
            pending.put(key, w);
            order.add(key);
            bytes.add(img);
        }
        int perImage = graph.pixelsPerImage();
        float[] pixels = new float[order.size() * perImage];   // [n, 3, h, w]
        Blip2Exception[] errors = new Blip2Exception[order.size()];
        // decode + resize in parallel, each image into its own slot
        IntStream.range(0, order.size()).parallel().forEach(k -> {
            try {
                preprocessor.preprocessInto(bytes.get(k), pixels, k * perImage);
            } catch (Blip2Exception e) {
                errors[k] = e;
            } catch (RuntimeException e) {
                errors[k] = new Blip2Exception(ErrorCode.INVALID_IMAGE, "the image could not be decoded: " + e, e);
            }
        });
        List<String> ok = new ArrayList<>(order.size());
        for (int k = 0; k < order.size(); k++) {
            if (errors[k] != null) {
                fill(done, pending.remove(order.get(k)), new Item(null, false, errors[k]));
            } else {
                if (ok.size() != k) {   // close the gap a failed image left
                    System.arraycopy(pixels, k * perImage, pixels, ok.size() * perImage, perImage);
                }
                ok.add(order.get(k));
            }
        }
        float[] kept = ok.size() == order.size() ? pixels : Arrays.copyOf(pixels, ok.size() * perImage);
        return new Staged(done, pending, List.copyOf(ok), kept, (System.nanoTime() - t0) / 1e6);
    }

    /**
     * Runs the vision graph over a prepared batch (in chunks of at most {@code maxBatch}) and
     * caches the outputs. An image that entered the cache since {@link #prepare} (a batch run
     * meanwhile held it too) is taken from there.
     */
    public Result run(Staged staged) {
        Item[] out = staged.done().clone();
        int perImage = graph.pixelsPerImage();
        List<Integer> slots = new ArrayList<>(staged.order().size());   // pixel slots still to encode
        for (int k = 0; k < staged.order().size(); k++) {
            String key = staged.order().get(k);
            float[] cached = cache.get(key);
            if (cached != null) {
                fill(out, staged.pending().get(key), new Item(cached, true, null));
            } else {
                slots.add(k);
            }
        }
        float[] pixels = staged.pixels();
        if (slots.size() != staged.order().size()) {
            pixels = new float[slots.size() * perImage];   // [n, 3, h, w]
            for (int j = 0; j < slots.size(); j++) {
                System.arraycopy(staged.pixels(), slots.get(j) * perImage, pixels, j * perImage, perImage);
            }
        }
        long v0 = System.nanoTime();
        int per = graph.embedsPerImage();
        int runs = 0;
        for (int start = 0; start < slots.size(); start += maxBatch) {
            runs++;
            int end = Math.min(slots.size(), start + maxBatch);
            float[] input = start == 0 && end == slots.size() ? pixels
                    : Arrays.copyOfRange(pixels, start * perImage, end * perImage);   // [chunk, 3, h, w]
            float[] embeds = graph.run(input, end - start);                            // [chunk, Q, D]
            for (int j = start; j < end; j++) {
                float[] e = Arrays.copyOfRange(embeds, (j - start) * per, (j - start + 1) * per); // [Q, D]
                String key = staged.order().get(slots.get(j));
                cache.put(key, e);
                fill(out, staged.pending().get(key), new Item(e, false, null));
            }
        }
        double visionMs = slots.isEmpty() ? 0 : (System.nanoTime() - v0) / 1e6;
        return new Result(List.of(out), staged.preprocessMs(), visionMs, slots.size(), runs);
    }

    private static void fill(Item[] out, List<Integer> positions, Item item) {
        for (int p : positions) {
            out[p] = item;
        }
    }
}
