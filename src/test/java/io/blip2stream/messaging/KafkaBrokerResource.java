package io.blip2stream.messaging;

import io.blip2stream.testing.SharedKafkaCluster;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;

/**
 * The service's broker and topics in {@code @QuarkusTest} classes: the run's
 * {@link SharedKafkaCluster} (one real broker for every test of the run, plain JUnit tests
 * included), with the service's topics created on it if they are missing. Use with
 * {@code @WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)}.
 *
 * <p>The topics have names of their own, set through the {@code blip2.topics.*} keys: the packaged
 * names ({@code blip2.images}, …) belong to {@code TopicsCommandTest}, which creates them on the
 * same broker. A test profile restarts the application and calls {@link #start()} again: the
 * broker, the topics and their records stay.
 */
public class KafkaBrokerResource implements QuarkusTestResourceLifecycleManager {

    /** Partitions of each input topic: several, so that records arrive from more than one. */
    public static final int INPUT_PARTITIONS = 3;
    static final int MAX_MESSAGE_BYTES = SharedKafkaCluster.MAX_MESSAGE_BYTES;

    static final String IMAGES = "service-test.images";
    static final String QUESTIONS = "service-test.questions";
    static final String CAPTIONS = "service-test.captions";
    static final String ANSWERS = "service-test.answers";
    static final String DLQ = "service-test.dlq";

    @Override
    public Map<String, String> start() {
        String bootstrap = SharedKafkaCluster.bootstrapServers();
        Map<String, String> topic = Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        Map<String, String> dlq = Map.of("max.message.bytes", Integer.toString(SharedKafkaCluster.BROKER_MESSAGE_MAX_BYTES));
        SharedKafkaCluster.createTopics(bootstrap, List.of(
                new NewTopic(IMAGES, INPUT_PARTITIONS, (short) 1).configs(topic),
                new NewTopic(QUESTIONS, INPUT_PARTITIONS, (short) 1).configs(topic),
                new NewTopic(CAPTIONS, 1, (short) 1).configs(topic),
                new NewTopic(ANSWERS, 1, (short) 1).configs(topic),
                new NewTopic(DLQ, 1, (short) 1).configs(dlq)));
        return Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "blip2.topics.images", IMAGES,
                "blip2.topics.questions", QUESTIONS,
                "blip2.topics.captions", CAPTIONS,
                "blip2.topics.answers", ANSWERS,
                "blip2.topics.dlq", DLQ);
    }

    @Override
    public void stop() {
        // the broker outlives each application of the run: the shared cluster stops when the JVM exits
    }
}
