package io.blip2stream.batching;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The micro-batcher's queue: a plain state object with no threads and no clock of its own (the
 * caller passes {@code now}), so every decision is unit-testable.
 *
 * <p>Requests are grouped by a batch key (requests whose generation options may share one
 * language-model run). {@link #nextBatch(long, boolean)} first expires requests past their
 * deadline, then cuts a batch from a ready group: one holding {@code maxBatchSize} requests, or
 * whose oldest request has waited {@code maxWait}. Among ready groups the one with the oldest
 * request goes first, so no group starves. Not thread-safe: one owner (the worker pool's lock).
 *
 * @param <T> the queued request
 */
public final class BatchState<T> {

    /**
     * A queued request.
     *
     * @param key           batch key: entries with equal keys may share a batch
     * @param enqueuedNanos when it was queued
     * @param deadlineNanos when it expires unless it has been handed to the engine
     */
    public record Entry<T>(T item, Object key, long enqueuedNanos, long deadlineNanos) {
    }

    /**
     * What to do now.
     *
     * @param batch       requests to run together now, oldest first; empty when nothing is ready
     * @param expired     requests whose deadline has passed; they leave the queue
     * @param wakeAtNanos when a decision may change without new requests ({@link Long#MAX_VALUE}: never)
     */
    public record Next<T>(List<Entry<T>> batch, List<Entry<T>> expired, long wakeAtNanos) {
    }

    private final BatchPolicy policy;
    private final Map<Object, ArrayDeque<Entry<T>>> groups = new LinkedHashMap<>();
    private int size;

    public BatchState(BatchPolicy policy) {
        this.policy = policy;
    }

    public void add(Entry<T> entry) {
        groups.computeIfAbsent(entry.key(), k -> new ArrayDeque<>()).addLast(entry);
        size++;
    }

    /** Requests waiting. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Decides the next batch.
     *
     * @param flush cut batches without waiting for batch-mates (shutdown)
     */
    public Next<T> nextBatch(long now, boolean flush) {
        return next(now, flush, false);
    }

    /**
     * As {@link #nextBatch(long, boolean)}, but cuts the batch only when it is full: a batch that
     * waiting could not grow, so it may be cut ahead of time (while the previous batch still runs).
     */
    public Next<T> nextFullBatch(long now) {
        return next(now, false, true);
    }

    /**
     * Continuous batching: expires requests past their deadline, then takes up to {@code max} of the
     * others, oldest first whatever their key (a running decoding batch mixes options), without
     * waiting for batch-mates.
     */
    public Next<T> take(long now, int max) {
        List<Entry<T>> expired = expire(now);
        List<Entry<T>> taken = new ArrayList<>(Math.min(Math.max(max, 0), size));
        while (taken.size() < max && size > 0) {
            ArrayDeque<Entry<T>> oldest = null;
            for (ArrayDeque<Entry<T>> group : groups.values()) {
                if (oldest == null || group.peekFirst().enqueuedNanos() - oldest.peekFirst().enqueuedNanos() < 0) {
                    oldest = group;
                }
            }
            Entry<T> e = oldest.pollFirst();
            taken.add(e);
            size--;
            if (oldest.isEmpty()) {
                groups.remove(e.key());
            }
        }
        long wakeAt = Long.MAX_VALUE;
        for (ArrayDeque<Entry<T>> group : groups.values()) {
            for (Entry<T> e : group) {
                wakeAt = earliest(wakeAt, e.deadlineNanos());
            }
        }
        return new Next<>(List.copyOf(taken), expired, wakeAt);
    }

    /**
     * The {@code n} requests {@link #take} would cut next (oldest first whatever their key), left
     * in the queue: what may be prepared ahead of its admission.
     */
    public List<Entry<T>> oldest(int n) {
        List<Entry<T>> candidates = new ArrayList<>();
        for (ArrayDeque<Entry<T>> group : groups.values()) {
            int k = 0;
            for (Iterator<Entry<T>> it = group.iterator(); it.hasNext() && k < n; k++) {
                candidates.add(it.next());
            }
        }
        candidates.sort((a, b) -> Long.signum(a.enqueuedNanos() - b.enqueuedNanos()));
        return List.copyOf(candidates.subList(0, Math.min(Math.max(n, 0), candidates.size())));
    }

    private Next<T> next(long now, boolean flush, boolean fullOnly) {
        List<Entry<T>> expired = expire(now);
        ArrayDeque<Entry<T>> chosen = null;
        long wakeAt = Long.MAX_VALUE;
        for (ArrayDeque<Entry<T>> group : groups.values()) {
            Entry<T> head = group.peekFirst();
            long readyAt = head.enqueuedNanos() + policy.maxWaitNanos();
            boolean ready = flush || group.size() >= policy.maxBatchSize() || readyAt - now <= 0;
            if (ready) {
                if (chosen == null || head.enqueuedNanos() - chosen.peekFirst().enqueuedNanos() < 0) {
                    chosen = group;
                }
            } else {
                wakeAt = earliest(wakeAt, readyAt);
            }
            for (Entry<T> e : group) {
                wakeAt = earliest(wakeAt, e.deadlineNanos());
            }
        }
        if (chosen == null) {
            return new Next<>(List.of(), expired, wakeAt);
        }
        if (fullOnly && chosen.size() < policy.maxBatchSize()) {
            return new Next<>(List.of(), expired, now);
        }
        List<Entry<T>> batch = new ArrayList<>(Math.min(chosen.size(), policy.maxBatchSize()));
        while (batch.size() < policy.maxBatchSize() && !chosen.isEmpty()) {
            batch.add(chosen.pollFirst());
        }
        size -= batch.size();
        if (chosen.isEmpty()) {
            groups.remove(batch.getFirst().key());
        }
        return new Next<>(List.copyOf(batch), expired, now);
    }

    private List<Entry<T>> expire(long now) {
        List<Entry<T>> expired = new ArrayList<>();
        for (Iterator<ArrayDeque<Entry<T>>> groupIt = groups.values().iterator(); groupIt.hasNext(); ) {
            ArrayDeque<Entry<T>> group = groupIt.next();
            group.removeIf(e -> {
                boolean late = e.deadlineNanos() - now <= 0;
                if (late) {
                    expired.add(e);
                }
                return late;
            });
            if (group.isEmpty()) {
                groupIt.remove();
            }
        }
        size -= expired.size();
        return expired;
    }

    private static long earliest(long a, long b) {
        return a == Long.MAX_VALUE ? b : (b - a < 0 ? b : a);
    }
}
