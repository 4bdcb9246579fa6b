package io.blip2stream.ops.topics;

import java.util.List;
import java.util.Objects;

/**
 * The outcome for one topic.
 *
 * @param definition the topic as defined (after any size overrides)
 * @param action     what was done
 * @param drift      settings of an existing topic that differ from the definition (empty otherwise)
 */
public record TopicStatus(TopicDefinition definition, TopicAction action, List<Drift> drift) {
    public TopicStatus {
        Objects.requireNonNull(definition, "definition");
        Objects.requireNonNull(action, "action");
        drift = List.copyOf(drift);
    }

    public String name() {
        return definition.name();
    }
}
