package io.blip2stream.batching;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BatchWorkersTest {

    private static final long LONG_DEADLINE = Duration.ofHours(1).toNanos();

    private static final class Recorder implements BatchWorkers.Handler<Integer, List<Integer>> {
        final ConcurrentLinkedQueue<List<Integer>> batches = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Integer> expired = new ConcurrentLinkedQueue<>();
        /** Prepared batches, with the name of the thread that prepared each. */
        final Map<List<Integer>, String> preparedOn = new ConcurrentHashMap<>();
        /** The threads a parallel stream in each batch's preparation ran on. */
        final Map<List<Integer>, Set<String>> parallelOn = new ConcurrentHashMap<>();
        /** The nice value of the thread that prepared each batch (Linux; -100 where unknown). */
        final Map<List<Integer>, Integer> niceOn = new ConcurrentHashMap<>();
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger runsStarted = new AtomicInteger();
        /** Entries of batches whose preparation threw. */
        final ConcurrentLinkedQueue<Integer> failed = new ConcurrentLinkedQueue<>();
        /** Items whose batch's preparation throws this. */
        final Map<Integer, Throwable> prepareThrows = new ConcurrentHashMap<>();
        volatile boolean failedThrows;
        volatile boolean hold;

        @Override
        public List<Integer> prepare(List<BatchState.Entry<Integer>> batch) {
            List<Integer> items = batch.stream().map(BatchState.Entry::item).toList();
            for (Integer i : items) {
                Throwable t = prepareThrows.get(i);
                if (t instanceof Error e) {
                    throw e;
                }
                if (t instanceof RuntimeException e) {
                    throw e;
                }
            }
            preparedOn.put(items, Thread.currentThread().getName());
            Set<String> threads = ConcurrentHashMap.newKeySet();
            IntStream.range(0, 256).parallel().forEach(i -> threads.add(Thread.currentThread().getName()));
            parallelOn.put(items, threads);
            niceOn.put(items, niceOfThisThread());
            return items;
        }

        @Override
        public void run(List<Integer> batch) {
            runsStarted.incrementAndGet();
            if (hold) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            batches.add(batch);
        }

        @Override
        public void failed(List<BatchState.Entry<Integer>> batch, Throwable why) {
            if (failedThrows) {
                throw new IllegalStateException("cannot complete the batch");
            }
            batch.forEach(e -> failed.add(e.item()));
        }

        @Override
        public void expired(List<BatchState.Entry<Integer>> entries) {
            entries.forEach(e -> expired.add(e.item()));
        }

        int handled() {
            return batches.stream().mapToInt(List::size).sum();
        }
    }

    /** The calling thread's nice value from /proc (field 19 of its stat line), or -100. */
    /** The thread's nice value, plus 1000 in Linux's SCHED_IDLE class (higher is lower priority); -100 elsewhere. */
    private static int niceOfThisThread() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");   // fields 3.. of proc(5)
            int nice = Integer.parseInt(fields[16]);
            int policy = Integer.parseInt(fields[38]);
            return (policy == 5 ? 1000 : 0) + nice;
        } catch (IOException | RuntimeException e) {
            return -100;
        }
    }

    @Test
    void requestsQueuedWhileTheWorkerIsBusyGoTogether() {
        Recorder recorder = new Recorder();
        recorder.hold = true;
        BatchWorkers<Integer, List<Integer>> workers = new BatchWorkers<>(new BatchPolicy(4, 0), recorder);
        workers.start(1, "test-worker");
        long now = System.nanoTime();
        workers.submit(0, "k", now, now + LONG_DEADLINE);
        await().until(() -> workers.queued() == 0);
        for (int i = 1; i <= 4; i++) {
            workers.submit(i, "k", now, now + LONG_DEADLINE);
        }

        recorder.release.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.handled() == 5);
        assertThat(recorder.batches).containsExactly(List.of(0), List.of(1, 2, 3, 4));
        workers.close();
    }

    @Test
    void expiredRequestsAreHandedBackNotRun() {
        Recorder recorder = new Recorder();
        BatchWorkers<Integer, List<Integer>> workers = new BatchWorkers<>(new BatchPolicy(4, Duration.ofHours(1).toNanos()), recorder);
        workers.start(1, "test-worker");
        long now = System.nanoTime();

        workers.submit(7, "k", now, now - 1);

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.expired.contains(7));
        assertThat(recorder.batches).isEmpty();
        workers.close();
    }

    @Test
    void drainRunsPartialBatchesAndStopsTheThreads() throws InterruptedException {
        Recorder recorder = new Recorder();
        BatchWorkers<Integer, List<Integer>> workers = new BatchWorkers<>(new BatchPolicy(8, Duration.ofHours(1).toNanos()), recorder);
        workers.start(2, "test-worker");
        long now = System.nanoTime();
        workers.submit(1, "a", now, now + LONG_DEADLINE);
        workers.submit(2, "b", now, now + LONG_DEADLINE);
        assertThat(workers.alive()).isTrue();

        assertThat(workers.drainAndStop(10_000)).isTrue();

        assertThat(recorder.handled()).isEqualTo(2);
        assertThat(workers.alive()).isFalse();
    }

    @Test
    void aFullBatchWaitingIsPreparedWhileThePreviousOneRuns() {
        Recorder recorder = new Recorder();
        recorder.hold = true;
        BatchWorkers<Integer, List<Integer>> workers = new BatchWorkers<>(new BatchPolicy(2, Duration.ofHours(1).toNanos()),
                recorder);
        long now = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            workers.submit(i, "k", now, now + LONG_DEADLINE);
        }

        workers.start(1, "test-worker");

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.preparedOn.containsKey(List.of(2, 3)));
        assertThat(recorder.batches).isEmpty();   // the first batch still runs
        assertThat(recorder.preparedOn).containsEntry(List.of(0, 1), "test-worker-0")
                .containsEntry(List.of(2, 3), "test-worker-prepare-0");
        // work prepared ahead stays on its one thread, parallel streams included
        assertThat(recorder.parallelOn.get(List.of(2, 3))).containsExactly("test-worker-prepare-0");
        if (recorder.niceOn.get(List.of(0, 1)) != -100) {   // Linux: prepared ahead at a lower priority
            assertThat(recorder.niceOn.get(List.of(2, 3))).isGreaterThan(recorder.niceOn.get(List.of(0, 1)));
        }
        recorder.release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.handled() == 4);
        assertThat(recorder.batches).containsExactly(List.of(0, 1), List.of(2, 3));
        workers.close();
    }

    @Test
    void aPartialBatchIsNotCutAheadSoItCanStillGrow() {
        Recorder recorder = new Recorder();
        recorder.hold = true;
        BatchWorkers<Integer, List<Integer>> workers = new BatchWorkers<>(new BatchPolicy(2, 0), recorder);
        long now = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            workers.submit(i, "k", now, now + LONG_DEADLINE);
        }
        workers.start(1, "test-worker");
        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.runsStarted.get() == 1);

        workers.submit(3, "k", now, now + LONG_DEADLINE);   // joins request 2 while batch 0, 1 runs
        recorder.release.countDown();

        await().atMost(Duration.ofSeconds(10)).until(() -> recorder.handled() == 4);
        assertThat(recorder.batches).containsExactly(List.of(0, 1), List.of(2, 3));
        assertThat(recorder.preparedOn).containsEntry(List.of(2, 3), "test-worker-0");
        workers.close();
    }

    @Test
    void aBatchCutAheadIsPreparedOnceByWhicheverThreadClaimsItFirst() throws Exception {
        List<BatchState.Entry<Integer>> batch = List.of(new BatchState.Entry<>(7, "k", 0, LONG_DEADLINE));
        AtomicInteger calls = new AtomicInteger();
        java.util.function.Function<List<BatchState.Entry<Integer>>, String> prepare =
                b -> "prepared by " + Thread.currentThread().getName() + " #" + calls.incrementAndGet();

        // the worker needs it before the preparation thread got to it: the worker prepares it
        BatchWorkers.Ahead<Integer, String> early = new BatchWorkers.Ahead<>(batch);
        assertThat(early.take(prepare)).isEqualTo("prepared by " + Thread.currentThread().getName() + " #1");
        early.prepareIfUnclaimed(prepare);
        assertThat(calls).hasValue(1);

        // the preparation thread got there first: the worker takes its result
        BatchWorkers.Ahead<Integer, String> ahead = new BatchWorkers.Ahead<>(batch);
        Thread preparer = Thread.ofPlatform().name("preparer").start(() -> ahead.prepareIfUnclaimed(prepare));
        preparer.join();
        assertThat(ahead.take(prepare)).isEqualTo("prepared by preparer #2");
        assertThat(calls).hasValue(2);
    }

    @Test
    void anErrorWhilePreparingFailsEveryRequestOfItsBatchAndTheWorkerGoesOn() throws Exception {
        Recorder r = new Recorder();
        r.prepareThrows.put(2, new NoClassDefFoundError("injected"));
        BatchWorkers<Integer, List<Integer>> w = new BatchWorkers<>(new BatchPolicy(3, Duration.ofMillis(200).toNanos()), r);
        w.start(1, "test-prepare-error");
        try {
            long now = System.nanoTime();
            for (int i = 1; i <= 3; i++) {
                w.submit(i, "k", now, now + LONG_DEADLINE);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> r.failed.size() == 3);
            assertThat(r.failed).containsExactlyInAnyOrder(1, 2, 3);

            w.submit(4, "k", System.nanoTime(), System.nanoTime() + LONG_DEADLINE);
            await().atMost(Duration.ofSeconds(10)).until(() -> r.handled() == 1);
            assertThat(w.alive()).isTrue();
        } finally {
            w.close();
        }
    }

    @Test
    void aBatchThatCannotBeCompletedStopsTheWorkerInsteadOfVanishing() {
        Recorder r = new Recorder();
        r.prepareThrows.put(1, new OutOfMemoryError("injected"));
        r.failedThrows = true;
        BatchWorkers<Integer, List<Integer>> w = new BatchWorkers<>(new BatchPolicy(1, 0), r);
        w.start(1, "test-prepare-lost");
        try {
            w.submit(1, "k", System.nanoTime(), System.nanoTime() + LONG_DEADLINE);
            await().atMost(Duration.ofSeconds(10)).until(() -> !w.alive());
            assertThat(r.handled()).isZero();
        } finally {
            w.close();
        }
    }
}
