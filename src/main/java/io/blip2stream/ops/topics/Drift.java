package io.blip2stream.ops.topics;

/**
 * One setting of an existing topic that differs from its definition.
 *
 * @param setting  {@code partitions}, {@code replication.factor} or a topic config key
 * @param expected the defined value
 * @param actual   the cluster's value ({@code null} when the config is absent)
 */
public record Drift(String setting, String expected, String actual) {
}
