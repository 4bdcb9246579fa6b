package io.blip2stream.ops.topics;

import java.util.Map;
import java.util.Objects;

/**
 * A topic as a cluster reports it.
 *
 * @param name              topic name
 * @param partitions        partition count
 * @param replicationFactor replicas of its first partition
 * @param configs           the topic's effective configs (at least every key the definitions use)
 */
public record ObservedTopic(String name, int partitions, short replicationFactor, Map<String, String> configs) {
    public ObservedTopic {
        Objects.requireNonNull(name, "name");
        configs = Map.copyOf(Objects.requireNonNull(configs, "configs"));
    }
}
