package io.blip2stream.batching;

import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The inference workers: one thread per device, all cutting batches from one {@link BatchState}
 * and handing them to a {@link Handler} (which calls the engine). The policy lives in the state;
 * this class only sleeps until the state's next decision time or a new request.
 *
 * @param <T> the queued request
 */
public final class BatchWorkers<T> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchWorkers.class);

    /** Runs batches; must complete every entry it is given, never throw for one bad entry. */
    public interface Handler<T> {
        void run(List<BatchState.Entry<T>> batch);

        void expired(List<BatchState.Entry<T>> expired);
    }

    private final BatchState<T> state;
    private final Handler<T> handler;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Thread> threads = new ArrayList<>();
    private boolean draining;

    public BatchWorkers(BatchPolicy policy, Handler<T> handler) {
        this.state = new BatchState<>(policy);
        this.handler = handler;
    }

    /** Starts {@code count} worker threads named {@code name-i}. */
    public void start(int count, String name) {
        for (int i = 0; i < count; i++) {
            Thread t = Thread.ofPlatform().name(name + "-" + i).daemon(true).start(this::loop);
            threads.add(t);
        }
    }

    public void submit(T item, Object key, long enqueuedNanos, long deadlineNanos) {
        lock.lock();
        try {
            if (draining) {
                throw new IllegalStateException("the workers are shutting down");
            }
            state.add(new BatchState.Entry<>(item, key, enqueuedNanos, deadlineNanos));
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Requests queued, not yet in a batch. */
    public int queued() {
        lock.lock();
        try {
            return state.size();
        } finally {
            lock.unlock();
        }
    }

    /** Whether every worker thread is running (liveness). */
    public boolean alive() {
        return !threads.isEmpty() && threads.stream().allMatch(Thread::isAlive);
    }

    /**
     * Runs what is queued without waiting for batch-mates, then stops the threads.
     *
     * @return whether every worker finished within the timeout
     */
    public boolean drainAndStop(long timeoutMillis) throws InterruptedException {
        lock.lock();
        try {
            draining = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Thread t : threads) {
            long left = end - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        return threads.stream().noneMatch(Thread::isAlive);
    }

    @Override
    public void close() {
        threads.forEach(Thread::interrupt);
    }

    private void loop() {
        while (true) {
            BatchState.Next<T> next;
            lock.lock();
            try {
                next = awaitWork();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            if (next == null) {
                return;
            }
            handle(next);
        }
    }

    /** Under the lock: the next batch or expired entries; null when drained and stopping. */
    private BatchState.Next<T> awaitWork() throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            BatchState.Next<T> next = state.nextBatch(now, draining);
            if (!next.batch().isEmpty() || !next.expired().isEmpty()) {
                return next;
            }
            if (draining && state.isEmpty()) {
                return null;
            }
            if (next.wakeAtNanos() == Long.MAX_VALUE) {
                changed.await();
            } else {
                changed.awaitNanos(Math.max(1, next.wakeAtNanos() - now));
            }
        }
    }

    private void handle(BatchState.Next<T> next) {
        try {
            if (!next.expired().isEmpty()) {
                handler.expired(next.expired());
            }
            if (!next.batch().isEmpty()) {
                handler.run(next.batch());
            }
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "batch handler failed on a batch of %d", next.batch().size());
        }
    }
}
