package io.blip2stream.api;

/** What the service writes for one request: a {@link ResultRecord} or an {@link ErrorResult}. */
public sealed interface WireResult permits ResultRecord, ErrorResult {

    String id();

    Task task();

    RecordSource source();
}
