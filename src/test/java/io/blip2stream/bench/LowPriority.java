package io.blip2stream.bench;

import io.blip2stream.batching.CpuPriority;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a start-up on a thread with a lower CPU priority (a higher nice value), so that every thread
 * it starts inherits that priority: on Linux the nice value is per thread and a new thread takes
 * its creator's. The benchmark starts what stands in for a remote Kafka cluster and its clients
 * this way, so that on a small machine they do not take cores from the service under test.
 */
final class LowPriority {

    private LowPriority() {
    }

    /** What ran, and at which nice value ({@code 0} when lowering the priority was not possible). */
    record Started<T>(T value, int nice) {
    }

    /** Calls {@code start} on a new thread whose nice value is {@code nice} (when the system allows it). */
    static <T> Started<T> call(int nice, Callable<T> start) throws Exception {
        AtomicReference<Started<T>> result = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("low-priority-start").start(() -> {
            int got = renice(nice) ? nice : 0;
            try {
                result.set(new Started<>(start.call(), got));
            } catch (Exception e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) {
            throw failure.get();
        }
        return result.get();
    }

    /**
     * Sets the nice value of every thread of this JVM but the calling one (the compiler and GC
     * threads included, which compile and collect for the broker and its clients). The caller
     * keeps its priority, and so do the processes it starts.
     *
     * @return whether every thread was reniced
     */
    static boolean reniceOtherThreads(int nice) {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            String self = selfTid();
            return renice(nice, tasks.map(t -> t.getFileName().toString()).filter(t -> !t.equals(self)).toList());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Sets this thread's nice value with {@code renice}; false where there is no per-thread id or no renice. */
    private static boolean renice(int nice) {
        try {
            return renice(nice, List.of(selfTid()));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** This thread's id: /proc/thread-self is "&lt;pid&gt;/task/&lt;tid&gt;". */
    private static String selfTid() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
    }

    /**
     * Runs {@code renice -n nice -p tid…} and, where the system allows it, puts each thread in
     * Linux's {@code SCHED_IDLE} class too (it runs only on a core nothing else wants, and yields it
     * the moment a normal thread wakes up); whether the nice value was set.
     */
    private static boolean renice(int nice, List<String> tids) throws IOException {
        tids.forEach(tid -> CpuPriority.idleThread(Integer.parseInt(tid)));
        List<String> command = new ArrayList<>(List.of("renice", "-n", Integer.toString(nice), "-p"));
        command.addAll(tids);
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
