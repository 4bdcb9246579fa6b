package io.blip2stream.ops.live;

/**
 * Events per second over the last few whole seconds: one counter per second in a ring, so the
 * memory is fixed however fast events come. Thread-safe.
 */
final class RateWindow {

    private final long[] counts;
    private final long[] seconds;

    RateWindow(int windowSeconds) {
        if (windowSeconds < 1) {
            throw new IllegalArgumentException("the window must be at least 1 s, got " + windowSeconds);
        }
        counts = new long[windowSeconds + 1];
        seconds = new long[windowSeconds + 1];
    }

    synchronized void add(long nowMillis) {
        long second = nowMillis / 1000;
        int slot = (int) (second % counts.length);
        if (seconds[slot] != second) {
            seconds[slot] = second;
            counts[slot] = 0;
        }
        counts[slot]++;
    }

    /** The mean rate over the {@code windowSeconds} whole seconds before the current one. */
    synchronized double perSecond(long nowMillis) {
        long current = nowMillis / 1000;
        long sum = 0;
        for (int i = 0; i < counts.length; i++) {
            if (seconds[i] < current && seconds[i] >= current - (counts.length - 1)) {
                sum += counts[i];
            }
        }
        return (double) sum / (counts.length - 1);
    }
}
