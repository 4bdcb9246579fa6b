package io.blip2stream.ops.topics;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One Kafka topic as the service needs it: name, partitions, replication factor and the topic
 * configs that are part of the deployment contract (retention, {@code max.message.bytes}, …).
 *
 * @param name              topic name
 * @param partitions        number of partitions (bounds the consumers of one group)
 * @param replicationFactor replicas per partition
 * @param configs           topic-level configs, in key order
 */
public record TopicDefinition(String name, int partitions, short replicationFactor, Map<String, String> configs) {

    /** The topic config that must not exceed the replication factor. */
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

    public TopicDefinition {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name is blank");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions is " + partitions + ", must be >= 1");
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException(
                    "topic " + name + ": replication factor is " + replicationFactor + ", must be >= 1");
        }
        configs = Map.copyOf(new TreeMap<>(Objects.requireNonNull(configs, "configs")));
    }

    /** The configs in key order (the record keeps an immutable copy). */
    @Override
    public Map<String, String> configs() {
        return new TreeMap<>(configs);
    }

    /**
     * This definition with other sizes, for clusters smaller than production (a single test
     * broker). {@code min.insync.replicas} is lowered to the new replication factor when it would
     * exceed it, since such a topic could never accept an {@code acks=all} write.
     *
     * @param partitionsOverride        new partition count, or {@code null} to keep this one
     * @param replicationFactorOverride new replication factor, or {@code null} to keep this one
     */
    public TopicDefinition withSizes(Integer partitionsOverride, Short replicationFactorOverride) {
        int p = partitionsOverride == null ? partitions : partitionsOverride;
        short rf = replicationFactorOverride == null ? replicationFactor : replicationFactorOverride;
        Map<String, String> c = new TreeMap<>(configs);
        String minIsr = c.get(MIN_INSYNC_REPLICAS);
        if (minIsr != null && Integer.parseInt(minIsr) > rf) {
            c.put(MIN_INSYNC_REPLICAS, Short.toString(rf));
        }
        return new TopicDefinition(name, p, rf, c);
    }
}
