package io.blip2stream.api;

/** Where a request came from: its Kafka coordinates, echoed in every result. */
public record RecordSource(String topic, int partition, long offset) {

    /** The fallback request id: {@code topic-partition-offset}. */
    public String asId() {
        return topic + "-" + partition + "-" + offset;
    }
}
