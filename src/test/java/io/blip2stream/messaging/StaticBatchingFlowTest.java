package io.blip2stream.messaging;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ServiceFlowTest}'s flow with {@code blip2.batching.mode=static}: the micro-batches of the
 * static mode (kept as a setting) give every request exactly one result equal to the engine run
 * directly, as continuous batching does.
 */
@QuarkusTest
@TestProfile(StaticBatchingFlowTest.StaticMode.class)
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class StaticBatchingFlowTest extends ServiceFlowTest {

    /** The static batching mode. */
    public static class StaticMode implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("blip2.batching.mode", "static");
        }
    }

    @ConfigProperty(name = "blip2.batching.mode")
    String mode;

    @Test
    void theServiceRunsInStaticMode() {
        assertThat(mode).isEqualTo("static");
    }
}
