package io.blip2stream.cli;

import io.blip2stream.api.Task;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One request of a {@code submit} run.
 *
 * @param image    the image file
 * @param task     caption, vqa or chat
 * @param question the question (vqa and chat)
 */
public record SubmitRequest(Path image, Task task, Optional<String> question) {
}
