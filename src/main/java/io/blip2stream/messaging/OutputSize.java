package io.blip2stream.messaging;

import io.blip2stream.api.DeadLetterStub;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/** Sizes of output records as the Kafka producer checks them, and the stub of a record too large to copy. Pure. */
final class OutputSize {

    private static final Header[] NO_HEADERS = new Header[0];

    private OutputSize() {
    }

    /**
     * The size the producer compares with {@code max.request.size} for one record (an upper bound,
     * batch overhead included, no compression).
     */
    static int of(byte[] key, byte[] value, Headers headers) {
        Header[] h = headers == null ? NO_HEADERS : headers.toArray();
        return AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                key, value, h);
    }

    /** The bounded stand-in for {@code origin} on the dead-letter topic. */
    static DeadLetterStub stub(IncomingRecord origin) {
        byte[] value = origin.value() == null ? new byte[0] : origin.value();
        int headerCount = 0;
        long headerBytes = 0;
        if (origin.headers() != null) {
            for (Header h : origin.headers()) {
                headerCount++;
                headerBytes += h.key().length() + (h.value() == null ? 0 : h.value().length);
            }
        }
        byte[] head = Arrays.copyOf(value, Math.min(value.length, DeadLetterStub.HEAD_BYTES));
        return new DeadLetterStub(origin.source().topic(), origin.source().partition(), origin.source().offset(),
                value.length, sha256(value), Base64.getEncoder().encodeToString(head),
                origin.key() == null ? 0 : origin.key().length, headerCount, headerBytes);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
