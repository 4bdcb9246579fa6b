package io.blip2stream.messaging;

import io.blip2stream.api.RecordSource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A consumed Kafka record, as the service needs it: coordinates, key, headers and value.
 *
 * @param timestampMs the record's timestamp (epoch ms), or -1 when it has none
 * @param key         the record key, may be null
 * @param value       the record value, may be null
 */
public record IncomingRecord(RecordSource source, long timestampMs, byte[] key, Headers headers, byte[] value) {

    /** The last value of a header as UTF-8, empty when absent or blank. */
    public Optional<String> header(String name) {
        Header h = headers == null ? null : headers.lastHeader(name);
        if (h == null || h.value() == null) {
            return Optional.empty();
        }
        String v = new String(h.value(), StandardCharsets.UTF_8);
        return v.isBlank() ? Optional.empty() : Optional.of(v);
    }

    /** The last value of a header as bytes, empty when absent. */
    public Optional<byte[]> headerBytes(String name) {
        Header h = headers == null ? null : headers.lastHeader(name);
        return h == null || h.value() == null ? Optional.empty() : Optional.of(h.value());
    }

    /** The key as UTF-8, empty when absent or blank. */
    public Optional<String> keyText() {
        if (key == null || key.length == 0) {
            return Optional.empty();
        }
        String k = new String(key, StandardCharsets.UTF_8);
        return k.isBlank() ? Optional.empty() : Optional.of(k);
    }
}
