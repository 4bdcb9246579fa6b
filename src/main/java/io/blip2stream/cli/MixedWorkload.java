package io.blip2stream.cli;

import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * A mixed serving workload, as BLIP-2 traffic mixes lengths: short VQA answers, captions, and chat
 * turns with a history in the prompt, in equal shares and a seeded shuffled order. Every request
 * generates exactly its class's token count (greedy, end of sequence suppressed), so that runs of
 * different schedulers do the same work. Used by {@code bench --workload mixed} and the end-to-end
 * benchmark.
 *
 * @param classes the request classes, in equal shares
 * @param seed    the order's seed
 */
public record MixedWorkload(List<RequestClass> classes, long seed) {

    /**
     * One kind of request.
     *
     * @param name      "vqa", "caption", "chat"
     * @param newTokens tokens each request generates, exactly
     */
    public record RequestClass(String name, Prompt prompt, int newTokens) {

        /** Greedy, exactly {@link #newTokens} tokens. */
        public GenerationOptions options() {
            return GenerationOptions.of(overrides());
        }

        /** The options as a request states them (min = max new tokens). */
        public GenerationOverrides overrides() {
            return BenchCommand.overrides(newTokens);
        }
    }

    /** A chat turn's history and question: a prompt several times a caption's length. */
    static final Prompt CHAT = new Prompt.Chat(List.of(
            new Prompt.Turn("What is in this picture?", "Some shapes on a plain background."),
            new Prompt.Turn("What colours are they?", "Red, green and blue.")),
            "Describe how they are arranged, from left to right.");

    /** One third VQA with 3 new tokens, one third captions with 15, one third chat with 40. */
    public static MixedWorkload standard(long seed) {
        return new MixedWorkload(List.of(
                new RequestClass("vqa", new Prompt.Vqa("What colour is the largest shape?"), 3),
                new RequestClass("caption", new Prompt.Caption(), 15),
                new RequestClass("chat", CHAT, 40)), seed);
    }

    /** The classes of {@code n} requests: equal shares (the first classes get the remainder), shuffled by the seed. */
    public List<RequestClass> sequence(int n) {
        List<RequestClass> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(classes.get(i % classes.size()));
        }
        Collections.shuffle(out, new Random(seed));
        return out;
    }

    /**
     * When request {@code i} arrives, in nanoseconds after the first: all at once for a backlog
     * ({@code perSecond} = 0), else evenly spaced at {@code perSecond}.
     */
    public static long arrivalNanos(int i, double perSecond) {
        return perSecond <= 0 ? 0 : (long) (i * 1e9 / perSecond);
    }

    /** Waits until request {@code i} is due, the first having arrived at {@code startNanos} ({@link System#nanoTime()}). */
    public static void awaitArrival(long startNanos, int i, double perSecond) {
        long due = startNanos + arrivalNanos(i, perSecond);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }
}
