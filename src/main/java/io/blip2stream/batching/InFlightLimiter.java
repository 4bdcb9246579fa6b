package io.blip2stream.batching;

import java.util.ArrayList;
import java.util.List;

/**
 * Bounded demand over several input streams: at most {@code capacity} requests are in flight
 * (received and not yet finished) plus requested-but-not-yet-delivered, all streams together.
 * Each stream ("lane") asks for at most {@code prefetch} records ahead, so an idle stream never
 * holds much of the capacity. When the limit is reached no stream is asked for more, and the
 * Kafka connector pauses its partitions once its own small buffer is full.
 *
 * <p>No threads inside; thread-safe. {@link Lane#request(long)} is always called outside the lock
 * (a stream may deliver synchronously from within it).
 */
public final class InFlightLimiter {

    /** A stream the limiter asks for records. */
    @FunctionalInterface
    public interface Lane {
        void request(long n);
    }

    private static final class LaneState {
        final Lane lane;
        int outstanding;

        LaneState(Lane lane) {
            this.lane = lane;
        }
    }

    private record Grant(Lane lane, int n) {
    }

    private final int capacity;
    private final int prefetch;
    private final List<LaneState> lanes = new ArrayList<>();
    private int inFlight;
    private int maxInFlight;
    private int next;
    private boolean stopped;

    public InFlightLimiter(int capacity, int prefetch) {
        if (capacity < 1 || prefetch < 1) {
            throw new IllegalArgumentException("need capacity >= 1 and prefetch >= 1");
        }
        this.capacity = capacity;
        this.prefetch = Math.min(prefetch, capacity);
    }

    /**
     * Adds a stream; it is asked for records on the next {@link #refill()}. Returns its handle for
     * {@link #received(Object)}.
     */
    public Object register(Lane lane) {
        LaneState state = new LaneState(lane);
        synchronized (this) {
            lanes.add(state);
        }
        return state;
    }

    /** Asks the streams for as many records as the free capacity allows. */
    public void refill() {
        grant();
    }

    /** A record of the given lane arrived: it is now in flight. */
    public void received(Object handle) {
        LaneState state = (LaneState) handle;
        synchronized (this) {
            state.outstanding = Math.max(0, state.outstanding - 1);
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
        }
        grant();
    }

    /** A record in flight was finished (acked or nacked): its capacity goes back. */
    public void finished() {
        synchronized (this) {
            if (inFlight == 0) {
                throw new IllegalStateException("finished() without a record in flight");
            }
            inFlight--;
            notifyAll();
        }
        grant();
    }

    /** Asks for nothing more, ever (shutdown). Records already requested may still arrive. */
    public synchronized void stop() {
        stopped = true;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    /** The most records that were ever in flight at once. */
    public synchronized int maxInFlight() {
        return maxInFlight;
    }

    /**
     * Waits until nothing is in flight, or the timeout.
     *
     * @return whether nothing is in flight
     */
    public synchronized boolean awaitIdle(long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (inFlight > 0) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000L));
        }
        return true;
    }

    private void grant() {
        for (Grant g : grants()) {
            g.lane().request(g.n());
        }
    }

    /** Hands out free capacity round-robin, one record at a time, each lane up to {@code prefetch} ahead. */
    private synchronized List<Grant> grants() {
        if (stopped || lanes.isEmpty()) {
            return List.of();
        }
        int[] given = new int[lanes.size()];
        int free = capacity - inFlight - lanes.stream().mapToInt(l -> l.outstanding).sum();
        int blocked = 0;
        while (free > 0 && blocked < lanes.size()) {
            int i = next;
            next = (next + 1) % lanes.size();
            LaneState l = lanes.get(i);
            if (l.outstanding >= prefetch) {
                blocked++;
                continue;
            }
            blocked = 0;
            l.outstanding++;
            given[i]++;
            free--;
        }
        List<Grant> out = new ArrayList<>();
        for (int i = 0; i < given.length; i++) {
            if (given[i] > 0) {
                out.add(new Grant(lanes.get(i).lane, given[i]));
            }
        }
        return out;
    }
}
