package io.blip2stream.cli;

import io.blip2stream.api.Task;
import io.blip2stream.config.Blip2Config;

/**
 * The topic names of the wire contract, as the service is configured ({@code blip2.topics.*} in
 * application.properties, overridable by the same environment variables).
 *
 * @see Blip2Config.Topics
 */
public record WireTopics(String images, String questions, String captions, String answers) {

    /** The names the service is configured with ({@code blip2.topics.*}). */
    public static WireTopics of(Blip2Config config) {
        Blip2Config.Topics t = config.topics();
        return new WireTopics(t.images(), t.questions(), t.captions(), t.answers());
    }

    /** Where the result of a request of this task is written. */
    public String resultTopic(Task task) {
        return task.isCaption() ? captions : answers;
    }
}
