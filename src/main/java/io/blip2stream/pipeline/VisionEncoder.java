package io.blip2stream.pipeline;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.onnx.VisionGraph;
import io.blip2stream.pipeline.preprocess.ImagePreprocessor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The vision stage of a micro-batch: looks every image up in the {@link VisionCache}, decodes and
 * preprocesses the misses in parallel (an image seen twice in one batch once), and runs the vision graph once
 * over all of them (in chunks of at most {@code maxBatch}). A bad image fails alone.
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

    /** Items in input order, with the time spent preprocessing and in the vision graph. */
    public record Result(List<Item> items, double preprocessMs, double visionMs) {
    }

    public Result encode(List<byte[]> images) {
        long t0 = System.nanoTime();
        Item[] out = new Item[images.size()];
        Map<String, List<Integer>> pending = new HashMap<>();   // digest -> positions waiting for it
        List<String> order = new ArrayList<>();                   // digests to compute, first-seen order
        List<byte[]> bytes = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            byte[] img = images.get(i);
            if (img == null || img.length == 0) {
                out[i] = new Item(null, false, new Blip2Exception(ErrorCode.INVALID_IMAGE, "the image is empty"));
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
                out[i] = new Item(cached, true, null);
                continue;
            }
            List<Integer> w = new ArrayList<>();
            w.add(i);
            pending.put(key, w);
            order.add(key);
            bytes.add(img);
        }
        int perImage = graph.pixelsPerImage();
        float[] pixels = new float[Math.min(order.size(), maxBatch) * perImage];   // [chunk, 3, h, w]
        double preprocessMs = 0;
        double visionMs = 0;
        for (int start = 0; start < order.size(); start += maxBatch) {
            int end = Math.min(order.size(), start + maxBatch);
            long p0 = System.nanoTime();
            int first = start;
            Blip2Exception[] errors = new Blip2Exception[end - start];
            // decode + resize in parallel, each image into its own slot of the chunk
            IntStream.range(start, end).parallel().forEach(k -> {
                try {
                    preprocessor.preprocessInto(bytes.get(k), pixels, (k - first) * perImage);
                } catch (Blip2Exception e) {
                    errors[k - first] = e;
                } catch (RuntimeException e) {
                    errors[k - first] = new Blip2Exception(ErrorCode.INVALID_IMAGE,
                            "the image could not be decoded: " + e, e);
                }
            });
            List<Integer> ok = new ArrayList<>();
            for (int k = start; k < end; k++) {
                if (errors[k - first] != null) {
                    fill(out, pending.get(order.get(k)), new Item(null, false, errors[k - first]));
                } else {
                    if (ok.size() != k - first) {   // close the gap a failed image left
                        System.arraycopy(pixels, (k - first) * perImage, pixels, ok.size() * perImage, perImage);
                    }
                    ok.add(k);
                }
            }
            long p1 = System.nanoTime();
            preprocessMs += (p1 - p0) / 1e6;
            if (ok.isEmpty()) {
                continue;
            }
            float[] input = ok.size() * perImage == pixels.length ? pixels
                    : java.util.Arrays.copyOf(pixels, ok.size() * perImage);             // [n, 3, h, w]
            float[] embeds = graph.run(input, ok.size());                                 // [n, Q, D]
            visionMs += (System.nanoTime() - p1) / 1e6;
            int per = graph.embedsPerImage();
            for (int j = 0; j < ok.size(); j++) {
                float[] e = java.util.Arrays.copyOfRange(embeds, j * per, (j + 1) * per); // [Q, D]
                String key = order.get(ok.get(j));
                cache.put(key, e);
                fill(out, pending.get(key), new Item(e, false, null));
            }
        }
        if (order.isEmpty()) {
            preprocessMs = (System.nanoTime() - t0) / 1e6;
        }
        return new Result(List.of(out), preprocessMs, visionMs);
    }

    private static void fill(Item[] out, List<Integer> positions, Item item) {
        for (int p : positions) {
            out[p] = item;
        }
    }
}
