package io.blip2stream.ops.topics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicComparisonTest {

    private final TopicDefinition defined = new TopicDefinition(
            "t", 12, (short) 3, Map.of("retention.ms", "1000", "max.message.bytes", "10485760"));

    @Test
    void matchingTopicHasNoDriftAndUndefinedConfigsAreIgnored() {
        ObservedTopic observed = new ObservedTopic("t", 12, (short) 3,
                Map.of("retention.ms", "1000", "max.message.bytes", "10485760", "segment.bytes", "1"));

        assertThat(TopicComparison.drift(defined, observed)).isEmpty();
    }

    @Test
    void everyDifferingSettingIsReported() {
        ObservedTopic observed = new ObservedTopic("t", 6, (short) 1, Map.of("retention.ms", "5"));

        assertThat(TopicComparison.drift(defined, observed)).containsExactly(
                new Drift("partitions", "12", "6"),
                new Drift("replication.factor", "3", "1"),
                new Drift("max.message.bytes", "10485760", null),
                new Drift("retention.ms", "1000", "5"));
    }
}
