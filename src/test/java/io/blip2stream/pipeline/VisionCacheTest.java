package io.blip2stream.pipeline;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class VisionCacheTest {

    @Test
    void digestIsHexSha256OfTheBytes() {
        assertThat(VisionCache.digest("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void evictsTheLeastRecentlyUsedEntryAndCountsHitsAndMisses() {
        VisionCache cache = new VisionCache(2);
        cache.put("a", new float[]{1});
        cache.put("b", new float[]{2});
        assertThat(cache.get("a")).containsExactly(1f);     // a is now the most recent
        cache.put("c", new float[]{3});                      // evicts b
        assertThat(cache.get("b")).isNull();
        assertThat(cache.get("c")).containsExactly(3f);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(1);
    }

    @Test
    void capacityZeroStoresNothing() {
        VisionCache cache = new VisionCache(0);
        cache.put("a", new float[]{1});
        assertThat(cache.get("a")).isNull();
        assertThat(cache.size()).isZero();
        assertThat(cache.misses()).isEqualTo(1);
    }
}
