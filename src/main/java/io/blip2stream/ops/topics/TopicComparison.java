package io.blip2stream.ops.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Compares a topic definition with what a cluster has; pure, no Kafka involved. */
public final class TopicComparison {

    /** Drift setting name for the partition count. */
    public static final String PARTITIONS = "partitions";
    /** Drift setting name for the replication factor. */
    public static final String REPLICATION_FACTOR = "replication.factor";

    private TopicComparison() {
    }

    /**
     * Every setting of {@code observed} that differs from {@code defined}: partition count,
     * replication factor, and each config key the definition sets. Configs the definition does
     * not mention are the cluster's business and are not compared.
     */
    public static List<Drift> drift(TopicDefinition defined, ObservedTopic observed) {
        if (!defined.name().equals(observed.name())) {
            throw new IllegalArgumentException("comparing " + defined.name() + " with " + observed.name());
        }
        List<Drift> drift = new ArrayList<>();
        if (defined.partitions() != observed.partitions()) {
            drift.add(new Drift(PARTITIONS, Integer.toString(defined.partitions()),
                    Integer.toString(observed.partitions())));
        }
        if (defined.replicationFactor() != observed.replicationFactor()) {
            drift.add(new Drift(REPLICATION_FACTOR, Short.toString(defined.replicationFactor()),
                    Short.toString(observed.replicationFactor())));
        }
        for (Map.Entry<String, String> e : defined.configs().entrySet()) {
            String actual = observed.configs().get(e.getKey());
            if (!Objects.equals(e.getValue(), actual)) {
                drift.add(new Drift(e.getKey(), e.getValue(), actual));
            }
        }
        return List.copyOf(drift);
    }
}
