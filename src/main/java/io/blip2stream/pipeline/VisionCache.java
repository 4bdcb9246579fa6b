package io.blip2stream.pipeline;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded least-recently-used cache of the vision stage's output ({@code [Q, D]} per image),
 * keyed by the SHA-256 of the encoded image bytes: a caption plus several questions about one
 * image compute vision once. Thread-safe; capacity 0 disables it.
 */
public final class VisionCache {
    private final int capacity;
    private final LinkedHashMap<String, float[]> entries;   // value: [Q, D]
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    public VisionCache(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("vision cache capacity must be >= 0, got " + capacity);
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
                return size() > VisionCache.this.capacity;
            }
        };
    }

    /** Hex SHA-256 of the bytes. */
    public static String digest(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The cached embeddings, counting a hit or a miss; null on a miss. Callers must not modify the array. */
    public float[] get(String digest) {
        float[] v;
        synchronized (entries) {
            v = capacity == 0 ? null : entries.get(digest);
        }
        (v == null ? misses : hits).incrementAndGet();
        return v;
    }

    public void put(String digest, float[] embeds) {
        if (capacity == 0) {
            return;
        }
        synchronized (entries) {
            entries.put(digest, embeds);
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    public int capacity() {
        return capacity;
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }
}
