package io.blip2stream.batching;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InFlightLimiterTest {

    @Test
    void firstRequestsAreBoundedByPrefetchPerLane() {
        InFlightLimiter limiter = new InFlightLimiter(10, 3);
        AtomicLong a = new AtomicLong();
        AtomicLong b = new AtomicLong();

        limiter.register(a::addAndGet);
        limiter.register(b::addAndGet);
        assertThat(a.get()).isZero();
        limiter.refill();

        assertThat(a.get()).isEqualTo(3);
        assertThat(b.get()).isEqualTo(3);
    }

    @Test
    void aBusyLaneFillsTheCapacityAnIdleLaneDoesNotUse() {
        InFlightLimiter limiter = new InFlightLimiter(10, 3);
        AtomicLong busy = new AtomicLong();
        AtomicLong idle = new AtomicLong();
        Object busyHandle = limiter.register(busy::addAndGet);
        limiter.register(idle::addAndGet);
        limiter.refill();

        for (int i = 0; i < 7; i++) {
            limiter.received(busyHandle);
        }

        // 7 in flight + 3 requested by the idle lane = capacity; the busy lane gets no more
        assertThat(limiter.inFlight()).isEqualTo(7);
        assertThat(busy.get()).isEqualTo(7);
        assertThat(idle.get()).isEqualTo(3);
    }

    @Test
    void demandStopsAtCapacityAndResumesOneForOne() {
        InFlightLimiter limiter = new InFlightLimiter(4, 4);
        AtomicLong requested = new AtomicLong();
        Object h = limiter.register(requested::addAndGet);
        limiter.refill();
        for (int i = 0; i < 4; i++) {
            limiter.received(h);
        }
        assertThat(requested.get()).isEqualTo(4);

        limiter.finished();

        assertThat(requested.get()).isEqualTo(5);
        assertThat(limiter.inFlight()).isEqualTo(3);
        assertThat(limiter.maxInFlight()).isEqualTo(4);
    }

    @Test
    void aLaneDeliveringSynchronouslyStaysBounded() {
        InFlightLimiter limiter = new InFlightLimiter(5, 2);
        AtomicLong delivered = new AtomicLong();
        Object[] handle = new Object[1];
        handle[0] = limiter.register(n -> {
            for (long i = 0; i < n; i++) {
                delivered.incrementAndGet();
                limiter.received(handle[0]);
            }
        });

        limiter.refill();

        assertThat(limiter.inFlight()).isEqualTo(5);
        assertThat(limiter.maxInFlight()).isEqualTo(5);
        assertThat(delivered.get()).isEqualTo(5);
    }

    @Test
    void stoppedLimiterAsksForNothingMore() {
        InFlightLimiter limiter = new InFlightLimiter(2, 2);
        AtomicLong requested = new AtomicLong();
        Object h = limiter.register(requested::addAndGet);
        limiter.refill();
        limiter.received(h);
        limiter.stop();

        limiter.finished();

        assertThat(requested.get()).isEqualTo(2);
        assertThat(limiter.inFlight()).isZero();
    }

    @Test
    void finishingMoreThanReceivedIsABug() {
        InFlightLimiter limiter = new InFlightLimiter(2, 2);

        assertThatThrownBy(limiter::finished).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void awaitIdleSeesTheLastFinish() throws InterruptedException {
        InFlightLimiter limiter = new InFlightLimiter(2, 2);
        Object h = limiter.register(n -> { });
        limiter.received(h);
        assertThat(limiter.awaitIdle(1)).isFalse();

        limiter.finished();

        assertThat(limiter.awaitIdle(1)).isTrue();
    }
}
