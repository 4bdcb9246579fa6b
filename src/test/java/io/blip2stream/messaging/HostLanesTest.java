package io.blip2stream.messaging;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** One slow host cannot take every fetch thread. */
class HostLanesTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void aSlowHostHoldsAtMostItsShareOfThreadsAndOtherHostsGoOn() throws Exception {
        HostLanes lanes = new HostLanes(pool, 2);
        CountDownLatch slow = new CountDownLatch(1);
        List<String> done = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            lanes.execute("http://slow.example:-1", () -> {
                awaitLatch(slow);
                done.add("slow-" + n);
            });
        }
        for (int i = 0; i < 5; i++) {
            int n = i;
            lanes.execute("http://fast.example:-1", () -> done.add("fast-" + n));
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 5);
        assertThat(done).allMatch(d -> d.startsWith("fast-"));
        assertThat(lanes.waiting("http://slow.example:-1")).isEqualTo(4);

        slow.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 11);
        assertThat(lanes.waiting("http://slow.example:-1")).isZero();
    }

    @Test
    void tasksLeftWhenThePoolStopsStillRun() {
        HostLanes lanes = new HostLanes(pool, 1);
        CountDownLatch first = new CountDownLatch(1);
        List<String> done = new CopyOnWriteArrayList<>();
        lanes.execute("h", () -> {
            awaitLatch(first);
            done.add("a");
        });
        lanes.execute("h", () -> done.add("b"));
        pool.shutdown();
        first.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> done.size() == 2);
        assertThat(done).containsExactly("a", "b");
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
