package io.blip2stream.messaging;

import io.blip2stream.api.WireResult;
import io.blip2stream.config.Blip2Config;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Exactly-once delivery: results, dead letters and the consumed offsets go out together in Kafka
 * transactions ({@link TransactionalWriter}), and records are acked only after the commit. One
 * transactional producer per instance, {@code transactional.id} = the configured prefix + a random
 * UUID, with the connection settings of the {@code kafka.*} keys; each input channel's consumer
 * group metadata comes from the connector's consumer.
 * <p>
 * Also the input channels' rebalance listener ({@value #PARTITION_LISTENER}): the writer holds
 * records only of partitions this instance owns, polled since they were assigned. In at-least-once
 * mode it is never started and only follows the assignments.
 */
@ApplicationScoped
@Default
@Identifier(ExactlyOnceDelivery.PARTITION_LISTENER)
public class ExactlyOnceDelivery implements ResultDelivery, KafkaConsumerRebalanceListener {

    /** The rebalance listener name that the input channels' configuration refers to. */
    public static final String PARTITION_LISTENER = "blip2-partitions";

    private static final Logger LOG = Logger.getLogger(ExactlyOnceDelivery.class);
    /** Transactions tried for the same records before the producer is given up. */
    static final int MAX_ATTEMPTS = 5;
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(200);
    private static final Duration GROUP_METADATA_TIMEOUT = Duration.ofSeconds(10);

    @Inject
    KafkaClientService clients;

    @Inject
    ResultPublisher publisher;

    @Inject
    ServiceMetrics metrics;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    Blip2Config config;

    private final String instanceId = UUID.randomUUID().toString();
    private final TransactionalWriter<Ticket> writer = new TransactionalWriter<>(this::openProducer, this::groupMetadata,
            new TransactionalWriter.Settler<>() {
                @Override
                public void ack(Ticket ticket) {
                    ticket.ack();
                }

                @Override
                public void nack(Ticket ticket, Throwable why) {
                    ticket.nack(why);
                }

                @Override
                public void transactionEnded(boolean committed, int records) {
                    metrics.transaction(committed, records);
                }
            }, MAX_ATTEMPTS, RETRY_BACKOFF);

    /** Opens the transactional producer (fencing nothing: its id is new) and starts the writer thread. */
    ResultDelivery start() {
        writer.start("blip2-transactions");
        LOG.infof("exactly-once delivery: transactional.id %s", transactionalId());
        return this;
    }

    /** The transactional.id of this instance's producer: the configured prefix + a random UUID. */
    public String transactionalId() {
        return config.kafka().transactionalIdPrefix() + "-" + instanceId;
    }

    private Producer<byte[], byte[]> openProducer() {
        Map<String, Object> c = new HashMap<>();
        kafkaConfig.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                c.put(k, v);
            }
        });
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "blip2-transactions");
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, config.kafka().maxMessageBytes());
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, config.kafka().deliveryTimeoutMs());
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(20_000, config.kafka().deliveryTimeoutMs()));
        return new KafkaProducer<>(c, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private ConsumerGroupMetadata groupMetadata(String channel) {
        return clients.getConsumer(channel).consumerGroupMetadata().await().atMost(GROUP_METADATA_TIMEOUT);
    }

    @Override
    public void received(Ticket ticket) {
        IncomingKafkaRecordMetadata<?, ?> m = ticket.message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record"));
        writer.received(new TopicPartition(m.getTopic(), m.getPartition()), m.getOffset(),
                m.getConsumerGroupGenerationId(), ticket);
    }

    @Override
    public void deliver(Ticket ticket, WireResult result) {
        writer.finished(ticket, publisher.records(ticket.record, result));
    }

    @Override
    public boolean alive() {
        return writer.alive();
    }

    @Override
    public void close() {
        writer.close(Duration.ofMillis(config.kafka().deliveryTimeoutMs()).plusSeconds(5));
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        int generation = consumer.groupMetadata().generationId();
        partitions.stream().collect(Collectors.groupingBy(p -> channelOf(p.topic())))
                .forEach((channel, ps) -> writer.assigned(channel, ps, generation));
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        writer.revoked(partitions);
    }

    private String channelOf(String topic) {
        if (topic.equals(config.topics().images())) {
            return Channels.IMAGES_IN;
        }
        if (topic.equals(config.topics().questions())) {
            return Channels.QUESTIONS_IN;
        }
        throw new IllegalStateException("partitions of " + topic + " assigned to an input channel");
    }
}
