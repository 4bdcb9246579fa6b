package io.blip2stream.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.blip2stream.messaging.KafkaBrokerResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The shared cluster seen from a {@code @QuarkusTest}: this class and the test resource live in a
 * Quarkus class loader, yet get the broker that plain tests get, not one of their own.
 */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class SharedKafkaClusterInQuarkusTest {

    @Test
    void theServiceAndPlainTestsShareOneBroker() {
        String service = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);

        assertThat(SharedKafkaCluster.class.getClassLoader())
                .as("a Quarkus test's classes come from a loader other than the plain tests'")
                .isNotSameAs(ClassLoader.getSystemClassLoader());
        assertThat(KafkaBrokerExtension.bootstrapServers()).isEqualTo(service);
        assertThat(SharedKafkaCluster.bootstrapServers()).isEqualTo(service);
    }
}
