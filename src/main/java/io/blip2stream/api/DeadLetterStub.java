package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The dead letter of a record too large to write again (with dead-letter headers it would pass
 * the output size limit): where the original is, how big it was, its digest and its first bytes,
 * so it can be found and recognised while the dead letter itself stays small and always writable.
 *
 * @param valueSize    the original value's size in bytes
 * @param valueSha256  SHA-256 of the original value, lower-case hex
 * @param valueHead    the original value's first bytes (at most {@link #HEAD_BYTES}), base64
 * @param keySize      the original key's size in bytes (0 without a key)
 * @param headerCount  how many headers the original record had (left out here)
 * @param headerBytes  their names and values together, in bytes
 */
public record DeadLetterStub(
        String topic,
        int partition,
        long offset,
        @JsonProperty("value_size") long valueSize,
        @JsonProperty("value_sha256") String valueSha256,
        @JsonProperty("value_head") String valueHead,
        @JsonProperty("key_size") long keySize,
        @JsonProperty("header_count") int headerCount,
        @JsonProperty("header_bytes") long headerBytes) {

    /** How many of the original value's first bytes a stub carries. */
    public static final int HEAD_BYTES = 1024;
}
