package io.blip2stream.cli;

import io.blip2stream.api.Task;
import org.eclipse.microprofile.config.Config;

/**
 * The topic names of the wire contract, as the service is configured ({@code blip2.topics.*} in
 * application.properties, overridable by the same environment variables).
 */
public record WireTopics(String images, String questions, String captions, String answers) {

    public static final WireTopics DEFAULTS =
            new WireTopics("blip2.images", "blip2.questions", "blip2.captions", "blip2.answers");

    /** Reads the names from the application configuration, falling back to the defaults. */
    public static WireTopics fromConfig(Config config) {
        return new WireTopics(
                config.getOptionalValue("blip2.topics.images", String.class).orElse(DEFAULTS.images()),
                config.getOptionalValue("blip2.topics.questions", String.class).orElse(DEFAULTS.questions()),
                config.getOptionalValue("blip2.topics.captions", String.class).orElse(DEFAULTS.captions()),
                config.getOptionalValue("blip2.topics.answers", String.class).orElse(DEFAULTS.answers()));
    }

    /** Where the result of a request of this task is written. */
    public String resultTopic(Task task) {
        return task.isCaption() ? captions : answers;
    }
}
