package io.blip2stream.batching;

import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The inference workers: one thread per device, all cutting batches from one {@link BatchState}
 * and handing them to a {@link Handler} (which calls the engine). The policy lives in the state;
 * this class only sleeps until the state's next decision time or a new request.
 *
 * <p>Each batch goes through two steps: {@link Handler#prepare} (work that needs no device, such
 * as image decoding) and {@link Handler#run} (the device). When a full batch is already waiting
 * as a worker starts running one, its preparation runs meanwhile on the worker's own preparation
 * thread (one thread: it takes at most one core from the batch running), so the device does not
 * wait for it. At most one batch per worker is prepared ahead: the
 * memory held stays bounded by two batches per worker.
 *
 * @param <T> the queued request
 * @param <P> a batch after {@link Handler#prepare}
 */
public final class BatchWorkers<T, P> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchWorkers.class);
    /** Nice value of the preparation threads (the workers keep the process's). */
    static final int PREPARE_NICE = 10;

    /** Prepares and runs batches; must complete every entry it is given, never throw for one bad entry. */
    public interface Handler<T, P> {
        /**
         * The work of a batch that needs no device; may run on another thread while the worker's
         * previous batch runs. What it cannot prepare, {@link #run} must still complete; if it
         * throws anyway (an {@link Error} included), the batch goes to {@link #failed}.
         */
        P prepare(List<BatchState.Entry<T>> batch);

        /**
         * Completes every entry of a batch whose {@link #prepare} threw. If this throws too, the
         * entries cannot be completed: the worker stops (liveness goes down) rather than lose them
         * silently, and they are read again after a restart.
         */
        void failed(List<BatchState.Entry<T>> batch, Throwable why);

        /** Runs a prepared batch on the device and completes every entry in it. */
        void run(P prepared);

        void expired(List<BatchState.Entry<T>> expired);
    }

    /**
     * Continuous batching: a handler that keeps one running decoding batch. Between two of its
     * steps the worker admits newcomers (at most {@link #room()}, at most the join chunk, cut
     * oldest first and prepared on the worker); each step completes the requests that finished.
     * Neither method may throw for one bad entry; like {@link Handler#run}, they complete every
     * entry they are given, sooner or later.
     */
    public interface Stepper<T, P> extends Handler<T, P> {
        /** Requests that may join now (0 while the batch is full or takes no newcomers). */
        int room();

        /** Requests in the running batch. */
        int running();

        /** Joins a prepared batch; completes at once the entries that cannot start. */
        void admit(P prepared);

        /** One decoding step; completes the entries that finished. */
        void step();

        /**
         * Whether queued requests are prepared one by one ahead of their admission, on the
         * preparation thread while the batch steps, and their preparations then {@link #combine
         * combined} into the batch admitted. Off by default.
         */
        default boolean preparesAhead() {
            return false;
        }

        /**
         * The batch to admit, out of batches prepared apart, in this order (only called when
         * {@link #preparesAhead()}). May not throw for one bad entry.
         */
        default P combine(List<P> parts) {
            throw new UnsupportedOperationException("this stepper does not prepare ahead");
        }

        /** Not used in continuous mode: a batch is admitted, then stepped. */
        @Override
        default void run(P prepared) {
            admit(prepared);
            while (running() > 0) {
                step();
            }
        }
    }

    private final BatchState<T> state;
    private final Handler<T, P> handler;
    private final Stepper<T, P> stepper;   // null: static micro-batches
    private final int joinChunk;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Thread> threads = new ArrayList<>();
    private final List<ExecutorService> preparers = new ArrayList<>();
    private boolean draining;

    /** Static micro-batching: batches cut by {@code policy}, each run to its end. */
    public BatchWorkers(BatchPolicy policy, Handler<T, P> handler) {
        this(policy, handler, null, 0);
    }

    private BatchWorkers(BatchPolicy policy, Handler<T, P> handler, Stepper<T, P> stepper, int joinChunk) {
        this.state = new BatchState<>(policy);
        this.handler = handler;
        this.stepper = stepper;
        this.joinChunk = joinChunk;
    }

    /**
     * Continuous batching: the worker steps {@code stepper}'s running batch and admits up to
     * {@code joinChunk} queued requests between two steps, as long as it has room.
     */
    public static <T, P> BatchWorkers<T, P> continuous(BatchPolicy policy, int joinChunk, Stepper<T, P> stepper) {
        if (joinChunk < 1) {
            throw new IllegalArgumentException("joinChunk must be >= 1, got " + joinChunk);
        }
        return new BatchWorkers<>(policy, stepper, stepper, joinChunk);
    }

    /**
     * Starts {@code count} worker threads named {@code name-i}, each with a preparation thread
     * named {@code name-prepare-i}.
     */
    public void start(int count, String name) {
        for (int i = 0; i < count; i++) {
            ExecutorService preparer = preparer(name + "-prepare-" + i);
            preparers.add(preparer);
            Thread t = Thread.ofPlatform().name(name + "-" + i).daemon(true).start(() -> {
                try {
                    if (stepper != null) {
                        continuousLoop(preparer);
                    } else {
                        loop(preparer);
                    }
                } catch (BatchLost lost) {
                    LOG.fatal("an inference worker stops", lost);
                } finally {
                    preparer.shutdown();
                }
            });
            threads.add(t);
        }
    }

    /** Queues a request; throws when the workers are draining (see {@link #offer}). */
    public void submit(T item, Object key, long enqueuedNanos, long deadlineNanos) {
        if (!offer(item, key, enqueuedNanos, deadlineNanos)) {
            throw new IllegalStateException("the workers are shutting down");
        }
    }

    /**
     * Queues a request unless the workers are draining.
     *
     * @return false when they are (the request was not taken: the caller hands it back)
     */
    public boolean offer(T item, Object key, long enqueuedNanos, long deadlineNanos) {
        lock.lock();
        try {
            if (draining) {
                return false;
            }
            state.add(new BatchState.Entry<>(item, key, enqueuedNanos, deadlineNanos));
            changed.signal();
            return true;
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
        preparers.forEach(ExecutorService::shutdownNow);
    }

    private void loop(ExecutorService preparer) {
        Ahead<T, P> ahead = null;   // the next batch, being prepared while this one runs
        while (true) {
            P current;
            if (ahead != null) {
                try {
                    current = ahead.take(this::prepare);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                ahead = null;
            } else {
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
                expire(next.expired());
                current = next.batch().isEmpty() ? null : prepare(next.batch());
            }
            if (current == null) {
                continue;
            }
            ahead = prepareAhead(preparer);
            run(current);
        }
    }

    /**
     * The worker of continuous batching: newcomers are cut (oldest first, at most the room left and
     * the join chunk), prepared and admitted between two steps; while nothing runs, it sleeps until
     * a request arrives. Deadlines are checked at every step.
     *
     * <p>When the stepper {@link Stepper#preparesAhead() prepares ahead}, the next join chunk's
     * worth of queued requests (those {@link BatchState#oldest} names) are prepared one by one on
     * the preparation thread while the batch steps, so that decoding a large image does not hold
     * the running requests up. They stay queued meanwhile (their deadlines still apply); at most a
     * join chunk of them is prepared ahead at a time, so the memory held stays bounded.
     */
    private void continuousLoop(ExecutorService preparer) {
        boolean ahead = stepper.preparesAhead();
        Map<BatchState.Entry<T>, Ahead<T, P>> preparedAhead = new IdentityHashMap<>();   // this thread only
        while (true) {
            BatchState.Next<T> next;
            List<BatchState.Entry<T>> upcoming = List.of();
            lock.lock();
            try {
                if (stepper.running() == 0) {
                    next = awaitTake();
                    if (next == null) {
                        return;
                    }
                } else {
                    next = state.take(System.nanoTime(), Math.min(stepper.room(), joinChunk));
                }
                if (ahead) {
                    upcoming = state.oldest(joinChunk);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            expire(next.expired());
            if (!next.batch().isEmpty()) {
                P prepared = ahead ? prepareUsing(preparedAhead, next.batch()) : prepare(next.batch());
                if (prepared != null) {
                    guarded("admitting", () -> stepper.admit(prepared));
                }
            }
            if (ahead) {
                prepareAhead(preparedAhead, upcoming, preparer);
            }
            if (stepper.running() > 0) {
                guarded("stepping", stepper::step);
            }
        }
    }

    /**
     * Starts the preparation of every request of {@code upcoming} not being prepared yet, each on
     * its own; forgets those no longer upcoming, expired ones included (a preparation not started
     * then never runs).
     */
    private void prepareAhead(Map<BatchState.Entry<T>, Ahead<T, P>> preparedAhead,
                              List<BatchState.Entry<T>> upcoming, ExecutorService preparer) {
        Set<BatchState.Entry<T>> keep = Collections.newSetFromMap(new IdentityHashMap<>());
        keep.addAll(upcoming);
        for (Iterator<Map.Entry<BatchState.Entry<T>, Ahead<T, P>>> it = preparedAhead.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<BatchState.Entry<T>, Ahead<T, P>> e = it.next();
            if (!keep.contains(e.getKey())) {
                drop(e.getValue());
                it.remove();
            }
        }
        for (BatchState.Entry<T> e : upcoming) {
            if (preparedAhead.containsKey(e)) {
                continue;
            }
            Ahead<T, P> a = new Ahead<>(List.of(e));
            preparedAhead.put(e, a);
            try {
                preparer.execute(() -> a.prepareIfUnclaimed(handler::prepare));
            } catch (RejectedExecutionException closed) {
                a.claim();   // the worker prepares it when it takes it
            }
        }
    }

    /** Makes sure a preparation ahead that has not started never does. */
    private static void drop(Ahead<?, ?> a) {
        if (a != null) {
            a.claim();
        }
    }

    /**
     * The batch to admit: what was prepared ahead of its requests, combined with the preparation
     * of the others (done now, together); null when nothing of it can be admitted (its entries
     * were completed as failed). A preparation ahead that failed is done again here, where a
     * failure completes its entry.
     */
    private P prepareUsing(Map<BatchState.Entry<T>, Ahead<T, P>> preparedAhead, List<BatchState.Entry<T>> batch) {
        List<P> parts = new ArrayList<>();
        List<List<BatchState.Entry<T>>> partEntries = new ArrayList<>();
        List<BatchState.Entry<T>> rest = new ArrayList<>();
        for (BatchState.Entry<T> e : batch) {
            Ahead<T, P> a = preparedAhead.remove(e);
            P done = null;
            if (a != null && !a.claim()) {
                try {
                    done = a.awaitQuietly();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (done != null) {
                parts.add(done);
                partEntries.add(List.of(e));
            } else {
                rest.add(e);
            }
        }
        if (!rest.isEmpty()) {
            P p = prepare(rest);
            if (p != null) {
                parts.add(p);
                partEntries.add(rest);
            }
        }
        if (parts.size() <= 1) {
            return parts.isEmpty() ? null : parts.getFirst();
        }
        try {
            return stepper.combine(parts);
        } catch (Throwable t) {
            List<BatchState.Entry<T>> all = partEntries.stream().flatMap(List::stream).toList();
            LOG.errorf(t, "combining %d prepared batches failed; their %d requests fail", parts.size(), all.size());
            failAll(all, t);
            return null;
        }
    }

    /** Under the lock, with nothing running: newcomers or expired entries; null when drained and stopping. */
    private BatchState.Next<T> awaitTake() throws InterruptedException {
        return awaitNext(now -> state.take(now, Math.min(stepper.room(), joinChunk)));
    }

    private static void guarded(String what, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException | Error e) {
            LOG.error("batch handler failed " + what, e);
        }
    }

    /**
     * A pool of one thread. A fork-join pool, so that parallel streams in {@link Handler#prepare}
     * run in it too: work prepared ahead stays on one thread and takes at most one core from the
     * batch running meanwhile.
     */
    private static ExecutorService preparer(String threadName) {
        return new ForkJoinPool(1, pool -> new PrepareThread(pool, threadName), null, false);
    }

    /**
     * The preparation thread. Work prepared ahead should take the cores the running batch leaves
     * idle, not slow the batch down; so on Linux the thread is in the {@code SCHED_IDLE} class (it
     * runs only on an otherwise idle core and yields it as soon as an inference thread wakes up),
     * or else at nice {@value #PREPARE_NICE}. When the worker needs the batch, the cores are idle
     * and the preparation has them; a preparation that has not started by then is done by the
     * worker itself ({@link Ahead#take}).
     */
    private static final class PrepareThread extends ForkJoinWorkerThread {
        PrepareThread(ForkJoinPool pool, String name) {
            super(null, pool, true);
            setName(name);
            setDaemon(true);
        }

        @Override
        protected void onStart() {
            super.onStart();
            if (!CpuPriority.idleCurrentThread()) {
                CpuPriority.lowerCurrentThread(PREPARE_NICE);
            }
        }
    }

    /** Cuts the next batch now if it is full (or the workers drain) and prepares it on {@code preparer}. */
    private Ahead<T, P> prepareAhead(ExecutorService preparer) {
        BatchState.Next<T> next;
        lock.lock();
        try {
            long now = System.nanoTime();
            next = draining ? state.nextBatch(now, true) : state.nextFullBatch(now);
        } finally {
            lock.unlock();
        }
        expire(next.expired());
        if (next.batch().isEmpty()) {
            return null;
        }
        Ahead<T, P> ahead = new Ahead<>(next.batch());
        try {
            preparer.execute(() -> ahead.prepareIfUnclaimed(this::prepare));
        } catch (RejectedExecutionException e) {
            // closed: the worker prepares it when it takes it, so the batch is still run
        }
        return ahead;
    }

    /**
     * A batch cut ahead. Whichever thread claims it first prepares it: the preparation thread, or
     * the worker when it needs the batch before the preparation has started.
     */
    static final class Ahead<T, P> {
        private final List<BatchState.Entry<T>> batch;
        private final AtomicBoolean claimed = new AtomicBoolean();
        private final CompletableFuture<P> prepared = new CompletableFuture<>();

        Ahead(List<BatchState.Entry<T>> batch) {
            this.batch = batch;
        }

        void prepareIfUnclaimed(Function<List<BatchState.Entry<T>>, P> prepare) {
            if (claimed.compareAndSet(false, true)) {
                try {
                    prepared.complete(prepare.apply(batch));
                } catch (Throwable t) {
                    prepared.completeExceptionally(t);
                }
            }
        }

        /** Claims the preparation: true when it had not started (it never will; the caller prepares). */
        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        /** Waits for a preparation that has started: the batch, or null where it threw. */
        P awaitQuietly() throws InterruptedException {
            try {
                return prepared.get();
            } catch (ExecutionException e) {
                return null;
            }
        }

        /**
         * The prepared batch (null where preparing failed and its entries were completed as
         * failed), prepared here if nobody has started.
         *
         * @throws BatchLost when its entries could not be completed
         */
        P take(Function<List<BatchState.Entry<T>>, P> prepare) throws InterruptedException {
            if (claimed.compareAndSet(false, true)) {
                return prepare.apply(batch);
            }
            try {
                return prepared.get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof BatchLost lost ? lost : new BatchLost(e.getCause());
            }
        }
    }

    /** Under the lock: the next batch or expired entries; null when drained and stopping. */
    private BatchState.Next<T> awaitWork() throws InterruptedException {
        return awaitNext(now -> state.nextBatch(now, draining));
    }

    /**
     * Under the lock: waits until {@code cut} gives a batch or expired entries (woken by a new
     * request, or at the decision time it names); null when drained and stopping.
     */
    private BatchState.Next<T> awaitNext(java.util.function.LongFunction<BatchState.Next<T>> cut)
            throws InterruptedException {
        while (true) {
            long now = System.nanoTime();
            BatchState.Next<T> next = cut.apply(now);
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

    /** The prepared batch, or null when preparing threw and the handler completed every entry as failed. */
    private P prepare(List<BatchState.Entry<T>> batch) {
        try {
            return handler.prepare(batch);
        } catch (Throwable e) {
            LOG.errorf(e, "preparing a batch of %d failed; its requests fail", batch.size());
            failAll(batch, e);
            return null;
        }
    }

    /** Completes every entry of {@code batch} as failed; a handler that cannot stops the worker ({@link BatchLost}). */
    private void failAll(List<BatchState.Entry<T>> batch, Throwable why) {
        try {
            handler.failed(batch, why);
        } catch (Throwable t) {
            t.addSuppressed(why);
            throw new BatchLost(t);
        }
    }

    /**
     * A batch whose entries could not be completed: thrown out of a worker's loop, it stops the
     * worker ({@link #alive()} turns false), so that the process is restarted and the records,
     * never acknowledged, are read again.
     */
    static final class BatchLost extends Error {
        BatchLost(Throwable cause) {
            super("a batch could not be completed; the worker stops so that its records are read again", cause);
        }
    }

    private void run(P prepared) {
        try {
            handler.run(prepared);
        } catch (RuntimeException | Error e) {
            LOG.error("batch handler failed on a batch", e);
        }
    }

    private void expire(List<BatchState.Entry<T>> expired) {
        if (expired.isEmpty()) {
            return;
        }
        try {
            handler.expired(expired);
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "batch handler failed on %d expired requests", expired.size());
        }
    }
}
