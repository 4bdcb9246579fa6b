package io.blip2stream.messaging;

import io.blip2stream.pipeline.DecodingSession;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.imaging.Png;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** One inference on a generated image before the service reports ready: loads and warms every graph. */
final class Warmup {

    private static final int SIDE = 64;

    private Warmup() {
    }

    static void run(InferenceRunner runner, InferenceEngine engine) {
        InferenceRequest request = new InferenceRequest("warm-up", gradientPng(), new Prompt.Caption(),
                engine.defaultOptions());
        InferenceOutcome outcome = runner.run(List.of(request)).getFirst();
        if (outcome instanceof InferenceOutcome.Failure f) {
            throw new IllegalStateException("the warm-up inference failed: " + f.error().getMessage(), f.error());
        }
    }

    /**
     * The warm-up of continuous batching, in place of {@link #run}: the same request through a
     * decoding session, joined by a question while it decodes, so that every graph {@link #run}
     * loads (vision, language model) and the cache's join, gather and compaction graphs are loaded
     * before the first record.
     */
    static void runContinuous(InferenceEngine engine, int maxRequests) {
        try (DecodingSession<String> session = engine.openSession(maxRequests)) {
            List<DecodingSession.Completed<String>> done = new ArrayList<>();
            InferenceRequest first = new InferenceRequest("warm-up-1", gradientPng(), new Prompt.Caption(),
                    engine.defaultOptions());
            InferenceRequest second = new InferenceRequest("warm-up-2", gradientPng(), new Prompt.Vqa("what is this?"),
                    engine.defaultOptions());
            done.addAll(session.admit(List.of(first.id()), engine.prepare(List.of(first))));
            done.addAll(session.step());
            done.addAll(session.admit(List.of(second.id()), engine.prepare(List.of(second))));
            while (session.requests() > 0) {
                done.addAll(session.step());
            }
            for (DecodingSession.Completed<String> c : done) {
                if (c.outcome() instanceof InferenceOutcome.Failure f) {
                    throw new IllegalStateException("the continuous warm-up failed: " + f.error().getMessage(), f.error());
                }
            }
        }
    }

    /** A small RGB gradient, PNG-encoded. */
    static byte[] gradientPng() {
        BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_RGB); // [64, 64] RGB
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                img.setRGB(x, y, (x * 4) << 16 | (y * 4) << 8 | ((x + y) * 2));
            }
        }
        return Png.encode(img);
    }
}
