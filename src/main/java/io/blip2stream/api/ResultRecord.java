package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * The result of a successful request (schemas/result.schema.json).
 *
 * @param text         the best sequence, decoded without special tokens
 * @param texts        every returned sequence, best first; only when more than one was asked for
 * @param finishReason why the best sequence stopped: {@code eos} or {@code length}
 * @param tokenIds     new token ids of every returned sequence, best first; only when asked for
 * @param batchSize    how many requests shared the batch this one ran in
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultRecord(
        String id,
        Task task,
        String text,
        List<String> texts,
        @JsonProperty("finish_reason") String finishReason,
        @JsonProperty("token_ids") List<int[]> tokenIds,
        String model,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("timing_ms") TimingMs timingMs,
        RecordSource source) implements WireResult {

    public ResultRecord {
        texts = texts == null ? null : List.copyOf(texts);
        tokenIds = tokenIds == null ? null : List.copyOf(tokenIds);
    }
}
