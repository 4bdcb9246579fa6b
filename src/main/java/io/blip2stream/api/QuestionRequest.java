package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A request on the questions topic (schemas/question.schema.json).
 *
 * @param id       request id; optional (the record's headers, key or coordinates otherwise)
 * @param task     {@code vqa} when absent
 * @param question the question; required for vqa and chat unless {@code prompt} is given
 * @param history  earlier chat turns, oldest first
 * @param prompt   a raw prompt, used as given instead of the formatted question
 * @param image    the image, inline or by URL
 * @param options  generation options
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QuestionRequest(
        String id,
        Task task,
        String question,
        List<ChatTurn> history,
        String prompt,
        ImageRef image,
        GenerationOverrides options) {

    public QuestionRequest {
        history = history == null ? List.of() : List.copyOf(history);
    }

    /** The task, {@code vqa} when the request names none. */
    public Task taskOrDefault() {
        return task != null ? task : Task.VQA;
    }

    /** The options, {@link GenerationOverrides#NONE} when the request sets none. */
    public GenerationOverrides optionsOrNone() {
        return options != null ? options : GenerationOverrides.NONE;
    }
}
