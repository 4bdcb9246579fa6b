package io.blip2stream.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** Another thread of this process, by its Linux thread id, into the idle scheduling class. */
class CpuPriorityTest {

    @Test
    void anotherThreadGoesToTheIdleClassByItsThreadId() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/thread-self")), "Linux only");
        AtomicReference<String> tid = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                tid.set(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
                started.countDown();
                done.await();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        started.await();
        try {
            assertThat(policy(tid.get())).isZero();                      // SCHED_OTHER
            assertThat(CpuPriority.idleThread(Integer.parseInt(tid.get()))).isTrue();
            assertThat(policy(tid.get())).isEqualTo(5);                  // SCHED_IDLE
        } finally {
            done.countDown();
            t.join();
        }
    }

    /** Field 41 of proc(5)'s stat: the scheduling policy. */
    private static int policy(String tid) throws Exception {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[38]);
    }
}
