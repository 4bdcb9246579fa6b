package io.blip2stream.messaging;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs tasks on a shared pool with at most {@code perHost} at a time per lane (a host): the others
 * wait in their lane's queue, not on a thread, so one slow host holds at most {@code perHost}
 * threads and every other host keeps the rest. Thread-safe.
 */
final class HostLanes {

    private final Executor pool;
    private final int perHost;
    /** Guarded by itself. */
    private final Map<String, Lane> lanes = new HashMap<>();

    private static final class Lane {
        int running;
        final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    }

    HostLanes(Executor pool, int perHost) {
        if (perHost < 1) {
            throw new IllegalArgumentException("perHost must be >= 1");
        }
        this.pool = pool;
        this.perHost = perHost;
    }

    void execute(String lane, Runnable task) {
        synchronized (lanes) {
            Lane l = lanes.computeIfAbsent(lane, k -> new Lane());
            if (l.running >= perHost) {
                l.waiting.add(task);
                return;
            }
            l.running++;
        }
        submit(lane, task);
    }

    /** Tasks waiting in {@code lane} (not running). */
    int waiting(String lane) {
        synchronized (lanes) {
            Lane l = lanes.get(lane);
            return l == null ? 0 : l.waiting.size();
        }
    }

    private void submit(String lane, Runnable task) {
        Runnable wrapped = () -> {
            try {
                task.run();
            } finally {
                next(lane);
            }
        };
        try {
            pool.execute(wrapped);
        } catch (RejectedExecutionException e) {
            wrapped.run(); // the pool is shutting down: run here, so that no task is dropped
        }
    }

    private void next(String lane) {
        Runnable next;
        synchronized (lanes) {
            Lane l = lanes.get(lane);
            next = l.waiting.poll();
            if (next == null && --l.running == 0) {
                lanes.remove(lane);
            }
        }
        if (next != null) {
            submit(lane, next);
        }
    }
}
