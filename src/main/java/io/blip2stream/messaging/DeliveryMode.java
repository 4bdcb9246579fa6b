package io.blip2stream.messaging;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How results and consumed offsets reach Kafka ({@code blip2.delivery}). */
public enum DeliveryMode {

    /**
     * A record's offset is committed after Kafka acknowledged its writes: nothing is lost, and a
     * crash between the two may write a result twice.
     */
    AT_LEAST_ONCE("at-least-once"),

    /**
     * Results, dead letters and the consumed offsets are written in one Kafka transaction: a
     * {@code read_committed} consumer sees each result exactly once, across crashes and rebalances.
     */
    EXACTLY_ONCE("exactly-once");

    private final String key;

    DeliveryMode(String key) {
        this.key = key;
    }

    /** The configuration value. */
    public String key() {
        return key;
    }

    /** The mode named by a configuration value. */
    public static DeliveryMode of(String value) {
        for (DeliveryMode m : values()) {
            if (m.key.equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException("blip2.delivery must be one of "
                + Arrays.stream(values()).map(DeliveryMode::key).collect(Collectors.joining(", ")) + ", got " + value);
    }
}
