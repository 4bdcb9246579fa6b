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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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

    // continuous batching

    /**
     * A running decoding batch in miniature: item {@code i} needs {@code steps(i)} steps after it is
     * admitted. Records what the worker does (admissions with the room they had, steps, completions)
     * in one log. With {@link #gated}, each step first waits for a permit from the test.
     */
    private static class FakeStepper implements BatchWorkers.Stepper<Integer, List<Integer>> {
        /** An admission: the items and the room the session had then. */
        record Admitted(List<Integer> items, int room) {
        }

        final int capacity;
        final java.util.function.IntUnaryOperator steps;
        final Map<Integer, Integer> left = new java.util.LinkedHashMap<>();   // worker thread only
        final ConcurrentLinkedQueue<Admitted> admitted = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Integer> completed = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Integer> expired = new ConcurrentLinkedQueue<>();
        /** "A" for an admission, "S" for a step, in the order the worker made them. */
        final ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        final AtomicInteger stepsStarted = new AtomicInteger();
        final AtomicInteger mostRunning = new AtomicInteger();
        final java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(0);
        volatile boolean gated;
        private volatile int running;

        FakeStepper(int capacity, java.util.function.IntUnaryOperator steps) {
            this.capacity = capacity;
            this.steps = steps;
        }

        @Override
        public int room() {
            return capacity - running;
        }

        @Override
        public int running() {
            return running;
        }

        @Override
        public List<Integer> prepare(List<BatchState.Entry<Integer>> batch) {
            return batch.stream().map(BatchState.Entry::item).toList();
        }

        @Override
        public void failed(List<BatchState.Entry<Integer>> batch, Throwable why) {
            throw new AssertionError("nothing fails to prepare here", why);
        }

        @Override
        public void admit(List<Integer> items) {
            admitted.add(new Admitted(items, room()));
            log.add("A");
            items.forEach(i -> left.put(i, steps.applyAsInt(i)));
            running = left.size();
            mostRunning.accumulateAndGet(running, Math::max);
        }

        @Override
        public void step() {
            stepsStarted.incrementAndGet();
            if (gated) {
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            log.add("S");
            for (var it = left.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                e.setValue(e.getValue() - 1);
                if (e.getValue() <= 0) {
                    it.remove();
                    completed.add(e.getKey());
                }
            }
            running = left.size();
        }

        @Override
        public void expired(List<BatchState.Entry<Integer>> entries) {
            entries.forEach(e -> expired.add(e.item()));
        }

        List<Integer> admittedItems() {
            return admitted.stream().flatMap(a -> a.items().stream()).toList();
        }
    }

    private static BatchWorkers<Integer, List<Integer>> continuous(int joinChunk, FakeStepper stepper) {
        // a long max-wait: continuous batching must not wait for it
        return BatchWorkers.continuous(new BatchPolicy(8, Duration.ofHours(1).toNanos()), joinChunk, stepper);
    }

    private static void submit(BatchWorkers<Integer, ?> workers, int item) {
        long now = System.nanoTime();
        workers.submit(item, "k" + item % 3, now, now + LONG_DEADLINE);
    }

    @Test
    void continuousAdmitsAtMostTheRoomAndTheJoinChunkBetweenTwoSteps() throws Exception {
        FakeStepper stepper = new FakeStepper(5, i -> 3);
        BatchWorkers<Integer, List<Integer>> workers = continuous(2, stepper);
        for (int i = 0; i < 12; i++) {
            submit(workers, i);
        }

        workers.start(1, "test-continuous");
        await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.size() == 12);

        assertThat(stepper.completed).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 12).boxed().toList());
        assertThat(stepper.admittedItems()).as("oldest first").containsExactlyElementsOf(
                IntStream.range(0, 12).boxed().toList());
        assertThat(stepper.admitted).allSatisfy(a -> assertThat(a.items().size())
                .as("admitted %s with room %d", a.items(), a.room()).isBetween(1, Math.min(a.room(), 2)));
        // both bounds were reached: the join chunk (2 of room 5) and the room (1 left of 5)
        assertThat(stepper.admitted).anySatisfy(a -> assertThat(a.items()).hasSize(2));
        assertThat(stepper.admitted).anySatisfy(a -> {
            assertThat(a.room()).isEqualTo(1);
            assertThat(a.items()).hasSize(1);
        });
        assertThat(stepper.mostRunning).hasValue(5);
        // one admission per step boundary, never two in a row; every admission is followed by steps
        assertThat(String.join("", stepper.log)).doesNotContain("AA").startsWith("AS").endsWith("S");
        assertThat(workers.drainAndStop(10_000)).isTrue();
    }

    @Test
    void continuousStepsWhileRequestsRunAndOnlyThen() throws Exception {
        FakeStepper stepper = new FakeStepper(8, i -> 5);
        BatchWorkers<Integer, List<Integer>> workers = continuous(4, stepper);
        workers.start(1, "test-continuous");

        submit(workers, 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.contains(0));
        int steps = stepper.stepsStarted.get();

        assertThat(steps).isEqualTo(5);
        // idle: the worker sleeps rather than steps an empty batch
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> stepper.stepsStarted.get() == steps);
        assertThat(workers.drainAndStop(10_000)).isTrue();
    }

    @Test
    void aRequestArrivingWhileABatchRunsJoinsItWithoutWaitingForItToFinish() throws Exception {
        FakeStepper stepper = new FakeStepper(8, i -> i == 0 ? 6 : 1);
        stepper.gated = true;
        BatchWorkers<Integer, List<Integer>> workers = continuous(4, stepper);
        workers.start(1, "test-continuous");
        try {
            submit(workers, 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.stepsStarted.get() == 1);   // 0 runs

            submit(workers, 1);
            stepper.permits.release(2);   // step 1 ends, 1 joins, step 2: 1 is done, 0 has 4 steps to go

            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.contains(1));
            assertThat(stepper.completed).containsExactly(1);
            assertThat(stepper.running()).isEqualTo(1);
            assertThat(stepper.admitted).extracting(FakeStepper.Admitted::items)
                    .containsExactly(List.of(0), List.of(1));

            stepper.permits.release(4);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.contains(0));
            assertThat(stepper.completed).containsExactly(1, 0);
        } finally {
            stepper.gated = false;
            stepper.permits.release(100);
            workers.close();
        }
    }

    @Test
    void aDrainFinishesTheRunningBatchAndAdmitsWhatIsQueued() throws Exception {
        FakeStepper stepper = new FakeStepper(2, i -> 4);
        stepper.gated = true;
        BatchWorkers<Integer, List<Integer>> workers = continuous(4, stepper);
        for (int i = 0; i < 5; i++) {
            submit(workers, i);
        }
        workers.start(1, "test-continuous");
        await().atMost(Duration.ofSeconds(10)).until(() -> stepper.stepsStarted.get() == 1);
        assertThat(stepper.admittedItems()).containsExactly(0, 1);   // the room is 2
        assertThat(workers.queued()).isEqualTo(3);

        stepper.gated = false;
        stepper.permits.release(100);
        boolean drained = workers.drainAndStop(10_000);

        assertThat(drained).isTrue();
        assertThat(stepper.completed).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        assertThat(stepper.running()).isZero();
        assertThat(workers.queued()).isZero();
        assertThat(workers.alive()).isFalse();
        assertThatThrownBy(() -> submit(workers, 9)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void continuousExpiresRequestsThatCannotJoinInTime() throws Exception {
        FakeStepper stepper = new FakeStepper(1, i -> 3);
        stepper.gated = true;
        BatchWorkers<Integer, List<Integer>> workers = continuous(4, stepper);
        workers.start(1, "test-continuous");
        try {
            submit(workers, 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.stepsStarted.get() == 1);   // 0 fills the batch

            long now = System.nanoTime();
            workers.submit(1, "k", now, now - 1);   // already late: it cannot join before its deadline
            submit(workers, 2);
            stepper.permits.release(1);

            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.expired.contains(1));
            assertThat(stepper.completed).isEmpty();   // expired at a step boundary, while 0 still runs
            stepper.permits.release(100);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.size() == 2);
            assertThat(stepper.completed).containsExactly(0, 2);
            assertThat(stepper.admittedItems()).containsExactly(0, 2);
            assertThat(stepper.expired).containsExactly(1);

            // and while nothing runs: a late request is handed back, never admitted
            workers.submit(3, "k", System.nanoTime(), System.nanoTime() - 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.expired.contains(3));
            assertThat(stepper.admittedItems()).containsExactly(0, 2);
        } finally {
            stepper.gated = false;
            stepper.permits.release(100);
            workers.close();
        }
    }

    // continuous batching, requests prepared ahead

    /**
     * A {@link FakeStepper} that prepares ahead: records which items were prepared on which
     * thread, and can hold an item's preparation (a large image being decoded) or make it throw.
     */
    private static final class AheadStepper extends FakeStepper {
        final Map<Integer, String> preparedOn = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Integer> prepareCalls = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Integer> failed = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<List<List<Integer>>> combined = new ConcurrentLinkedQueue<>();
        /** Items whose preparation waits for {@link #release}. */
        final Set<Integer> held = ConcurrentHashMap.newKeySet();
        final CountDownLatch release = new CountDownLatch(1);
        volatile boolean combineThrows;
        /** Items whose preparation throws every time. */
        final Set<Integer> alwaysThrowing = ConcurrentHashMap.newKeySet();
        /** Items whose preparation throws the first time only. */
        final Set<Integer> throwingOnce = ConcurrentHashMap.newKeySet();

        AheadStepper(int capacity, java.util.function.IntUnaryOperator steps) {
            super(capacity, steps);
        }

        @Override
        public boolean preparesAhead() {
            return true;
        }

        @Override
        public List<Integer> prepare(List<BatchState.Entry<Integer>> batch) {
            for (BatchState.Entry<Integer> e : batch) {
                int item = e.item();
                prepareCalls.add(item);
                preparedOn.put(item, Thread.currentThread().getName());
                if (alwaysThrowing.contains(item) || throwingOnce.remove(item)) {
                    throw new IllegalStateException("cannot prepare " + item);
                }
                if (held.contains(item)) {
                    try {
                        release.await();
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            return batch.stream().map(BatchState.Entry::item).toList();
        }

        @Override
        public List<Integer> combine(List<List<Integer>> parts) {
            if (combineThrows) {
                throw new IllegalStateException("cannot combine " + parts);
            }
            combined.add(parts);
            return parts.stream().flatMap(List::stream).toList();
        }

        @Override
        public void failed(List<BatchState.Entry<Integer>> batch, Throwable why) {
            batch.forEach(e -> failed.add(e.item()));
        }
    }

    @Test
    void aQueuedRequestIsPreparedAheadWhileTheBatchStepsSoASlowPreparationHoldsNoRunningRequestUp() throws Exception {
        AheadStepper stepper = new AheadStepper(2, i -> 5);
        stepper.held.add(9);   // a large image: its decoding takes as long as the test wants
        stepper.gated = true;
        BatchWorkers<Integer, List<Integer>> workers = continuous(2, stepper);
        submit(workers, 0);
        submit(workers, 1);
        submit(workers, 9);
        workers.start(1, "test-ahead");
        try {
            // 0 and 1 fill the batch; 9 is prepared ahead, and its preparation does not end
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.prepareCalls.contains(9));
            assertThat(stepper.preparedOn.get(9)).isEqualTo("test-ahead-prepare-0");
            // meanwhile the running requests step to their end
            stepper.permits.release(5);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.size() == 2);
            assertThat(stepper.stepsStarted).hasValue(5);
            assertThat(stepper.admittedItems()).containsExactly(0, 1);

            stepper.gated = false;
            stepper.release.countDown();
            stepper.permits.release(100);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.contains(9));
            assertThat(stepper.admittedItems()).containsExactly(0, 1, 9);
            assertThat(stepper.prepareCalls).as("each prepared once").containsExactlyInAnyOrder(0, 1, 9);
            assertThat(workers.drainAndStop(10_000)).isTrue();
        } finally {
            stepper.gated = false;
            stepper.release.countDown();
            stepper.permits.release(100);
            workers.close();
        }
    }

    /**
     * 0 runs long; 1 and 2 join it (prepared on the worker) and run two steps; 3, 4 and 5 arrive
     * while the batch is full, so they are prepared ahead; when 1 and 2 end, 3 and 4 are admitted
     * together, then 5. Returns once all six are settled.
     */
    private static void fullBatchThenThreeArrivals(AheadStepper stepper) throws Exception {
        stepper.gated = true;
        BatchWorkers<Integer, List<Integer>> workers = continuous(3, stepper);
        workers.start(1, "test-ahead");
        try {
            submit(workers, 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.stepsStarted.get() == 1);
            submit(workers, 1);
            submit(workers, 2);
            stepper.permits.release(1);   // 1 and 2 join before step 2, prepared together on the worker
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.stepsStarted.get() == 2);
            submit(workers, 3);
            submit(workers, 4);
            submit(workers, 5);
            stepper.permits.release(1);   // the batch is full: 3, 4 and 5 (the next join chunk) are prepared ahead
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.prepareCalls.containsAll(List.of(3, 4, 5)));
            stepper.gated = false;
            stepper.permits.release(100);   // 1 and 2 end: 3 and 4 join, then 5
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.size() + stepper.failed.size() == 6);
            assertThat(workers.drainAndStop(10_000)).isTrue();
        } finally {
            stepper.gated = false;
            stepper.permits.release(100);
            workers.close();
        }
    }

    @Test
    void requestsPreparedAheadAreAdmittedTogether() throws Exception {
        AheadStepper stepper = new AheadStepper(3, i -> i == 0 ? 10 : 2);
        fullBatchThenThreeArrivals(stepper);

        assertThat(stepper.completed).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
        assertThat(stepper.prepareCalls).as("each prepared once").containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
        assertThat(stepper.preparedOn).containsEntry(1, "test-ahead-0").containsEntry(2, "test-ahead-0")
                .containsEntry(3, "test-ahead-prepare-0").containsEntry(4, "test-ahead-prepare-0")
                .containsEntry(5, "test-ahead-prepare-0");
        assertThat(stepper.admitted).extracting(FakeStepper.Admitted::items)
                .containsExactly(List.of(0), List.of(1, 2), List.of(3, 4), List.of(5));
        assertThat(stepper.combined).containsExactly(List.of(List.of(3), List.of(4)));
    }

    @Test
    void whenRequestsPreparedAheadCannotBeCombinedTheyFailOnceAndTheWorkerGoesOn() throws Exception {
        AheadStepper stepper = new AheadStepper(3, i -> i == 0 ? 10 : 2);
        stepper.combineThrows = true;
        fullBatchThenThreeArrivals(stepper);

        assertThat(stepper.failed).containsExactlyInAnyOrder(3, 4);
        assertThat(stepper.completed).containsExactlyInAnyOrder(0, 1, 2, 5);
        assertThat(stepper.admittedItems()).containsExactly(0, 1, 2, 5);
    }

    @Test
    void aRequestWhosePreparationAheadFailsIsPreparedAgainAtAdmissionAndFailsOnlyThere() throws Exception {
        AheadStepper stepper = new AheadStepper(1, i -> 3);
        stepper.throwingOnce.add(7);     // fails ahead, succeeds at admission
        stepper.alwaysThrowing.add(8);   // fails every time
        BatchWorkers<Integer, List<Integer>> workers = continuous(2, stepper);
        stepper.gated = true;
        submit(workers, 0);
        submit(workers, 7);
        submit(workers, 8);
        submit(workers, 6);
        workers.start(1, "test-ahead");
        try {
            // 0 runs; 7 and 8 are prepared ahead, and both preparations throw
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.prepareCalls.containsAll(List.of(7, 8)));
            assertThat(stepper.failed).isEmpty();   // nothing is completed ahead of its admission
            stepper.gated = false;
            stepper.permits.release(100);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.size() == 3);

            assertThat(stepper.completed).containsExactlyInAnyOrder(0, 7, 6);
            assertThat(stepper.failed).containsExactly(8);   // completed once, as failed
            assertThat(stepper.admittedItems()).doesNotContain(8).containsExactly(0, 7, 6);
            assertThat(workers.drainAndStop(10_000)).isTrue();
            assertThat(stepper.failed).containsExactly(8);
        } finally {
            stepper.gated = false;
            stepper.permits.release(100);
            workers.close();
        }
    }

    @Test
    void aRequestPreparedAheadStillExpiresInTheQueueAndAtMostAJoinChunkIsPreparedAhead() throws Exception {
        AheadStepper stepper = new AheadStepper(1, i -> i == 0 ? 50 : 1);
        stepper.gated = true;
        BatchWorkers<Integer, List<Integer>> workers = continuous(2, stepper);
        workers.start(1, "test-ahead");
        try {
            submit(workers, 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.stepsStarted.get() == 1);   // 0 fills the batch
            long now = System.nanoTime();
            workers.submit(5, "k", now, now + TimeUnit.MILLISECONDS.toNanos(300));
            for (int i = 10; i < 16; i++) {
                submit(workers, i);
            }
            // one step boundary: 5 and 10, the next join chunk, are prepared ahead, no others
            stepper.permits.release(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.prepareCalls.containsAll(List.of(5, 10)));
            stepper.permits.release(3);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.stepsStarted.get() == 5);
            assertThat(stepper.prepareCalls).containsExactlyInAnyOrder(0, 5, 10);   // 0 on the worker, at its admission

            // 5 cannot join before its deadline: it expires, prepared or not
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                stepper.permits.release(1);
                return stepper.expired.contains(5);
            });
            stepper.gated = false;
            stepper.permits.release(1000);
            await().atMost(Duration.ofSeconds(10)).until(() -> stepper.completed.size() == 7);

            assertThat(stepper.expired).containsExactly(5);
            assertThat(stepper.admittedItems()).doesNotContain(5).containsExactly(0, 10, 11, 12, 13, 14, 15);
            assertThat(workers.drainAndStop(10_000)).isTrue();
        } finally {
            stepper.gated = false;
            stepper.permits.release(1000);
            workers.close();
        }
    }
}
