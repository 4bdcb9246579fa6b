package io.blip2stream.api;

/** The result of a failed request, written to the task's output topic (schemas/error-result.schema.json). */
public record ErrorResult(String id, Task task, ErrorBody error, RecordSource source) implements WireResult {

    public static ErrorResult of(String id, Task task, Blip2Exception e, RecordSource source) {
        return new ErrorResult(id, task, ErrorBody.of(e), source);
    }
}
