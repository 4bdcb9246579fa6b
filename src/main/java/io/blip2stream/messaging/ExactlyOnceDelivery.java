package io.blip2stream.messaging;

import io.blip2stream.api.WireResult;
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
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Exactly-once: results, dead letters and the consumed offsets go out together in Kafka
 * transactions. Finished records wait in an {@link OffsetLedger} until every earlier record of
 * their partition is finished too; one thread then writes every such result and, per input
 * channel, the offsets after them with that channel's consumer group metadata
 * ({@code sendOffsetsToTransaction}, which fences a consumer that has left the group or missed a
 * rebalance), and commits. Records are acked only after the commit.
 * <p>
 * An aborted transaction commits nothing: its records stay in the ledger and the next attempt
 * writes the results of those still held (a rebalance between the two drops the records of
 * partitions that moved: their new owner reads them again). A producer that cannot go on (fenced,
 * or repeated failures) nacks every record held: the channel fails, liveness goes down, and the
 * uncommitted records are read again after the restart.
 * <p>
 * Also the input channels' rebalance listener ({@value #PARTITION_LISTENER}): the ledger holds
 * records only of partitions this instance owns, polled since they were assigned.
 */
@ApplicationScoped
@Default
@Identifier(ExactlyOnceDelivery.PARTITION_LISTENER)
public class ExactlyOnceDelivery implements ResultDelivery, KafkaConsumerRebalanceListener {

    /** The rebalance listener name that the input channels' configuration refers to. */
    public static final String PARTITION_LISTENER = "blip2-partitions";

    private static final Logger LOG = Logger.getLogger(ExactlyOnceDelivery.class);
    /** Transactions tried for the same records before the producer is given up. */
    private static final int MAX_ATTEMPTS = 5;
    private static final Duration GROUP_METADATA_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RETRY_BACKOFF = Duration.ofMillis(200);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    @Inject
    KafkaClientService clients;

    @Inject
    ResultPublisher publisher;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "blip2.topics.images")
    String imagesTopic;

    @ConfigProperty(name = "blip2.topics.questions")
    String questionsTopic;

    @ConfigProperty(name = "blip2.kafka.transactional-id-prefix")
    String transactionalIdPrefix;

    @ConfigProperty(name = "blip2.kafka.max-message-bytes")
    int maxMessageBytes;

    @ConfigProperty(name = "blip2.kafka.delivery-timeout-ms")
    int deliveryTimeoutMs;

    private final Object lock = new Object();
    /** Records dropped by the ledger, settled outside the lock. Guarded by {@link #lock}. */
    private final List<Ticket> dropped = new ArrayList<>();
    /** Guarded by {@link #lock}. */
    private final OffsetLedger<Ticket, List<ProducerRecord<byte[], byte[]>>> ledger = new OffsetLedger<>(dropped::add);
    /** Why results can no longer be written; null while they can. Guarded by {@link #lock}. */
    private Throwable failure;
    private boolean closing;
    private Producer<byte[], byte[]> producer;
    private Thread writer;
    private String transactionalId;

    /** Opens the transactional producer (fencing nothing: its id is new) and starts the writer thread. */
    ResultDelivery start() {
        transactionalId = transactionalIdPrefix + "-" + UUID.randomUUID();
        producer = new KafkaProducer<>(producerConfig(), new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        writer = Thread.ofPlatform().name("blip2-transactions").start(this::writeLoop);
        LOG.infof("exactly-once delivery: transactional.id %s", transactionalId);
        return this;
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> c = new HashMap<>();
        kafkaConfig.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                c.put(k, v);
            }
        });
        c.put(ProducerConfig.CLIENT_ID_CONFIG, "blip2-transactions");
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxMessageBytes);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, deliveryTimeoutMs);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(20_000, deliveryTimeoutMs));
        return c;
    }

    /** The transactional.id of the running producer (prefix + a random suffix); null before start. */
    public String transactionalId() {
        return transactionalId;
    }

    @Override
    public void received(Ticket ticket) {
        IncomingKafkaRecordMetadata<?, ?> m = ticket.message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record"));
        synchronized (lock) {
            if (failure == null) {
                ledger.register(new TopicPartition(m.getTopic(), m.getPartition()), m.getOffset(),
                        m.getConsumerGroupGenerationId(), ticket);
            }
        }
        settleDropped();
    }

    @Override
    public void deliver(Ticket ticket, WireResult result) {
        List<ProducerRecord<byte[], byte[]>> records = publisher.records(ticket.record, result);
        Throwable failed;
        synchronized (lock) {
            failed = failure;
            if (failed == null && ledger.complete(ticket, records)) {
                lock.notifyAll();
            }
            // not held: dropped (its partition moved), and settled already
        }
        if (failed != null) {
            ticket.nack(failed);
        }
    }

    @Override
    public boolean alive() {
        synchronized (lock) {
            return failure == null;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
        if (writer == null) {
            return;
        }
        try {
            writer.join(CLOSE_TIMEOUT.toMillis() + deliveryTimeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(CLOSE_TIMEOUT);
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        int generation = consumer.groupMetadata().generationId();
        Map<String, List<TopicPartition>> byChannel = partitions.stream()
                .collect(Collectors.groupingBy(p -> channelOf(p.topic())));
        synchronized (lock) {
            byChannel.forEach((channel, ps) -> ledger.assigned(channel, ps, generation));
        }
        settleDropped();
    }

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        synchronized (lock) {
            ledger.revoked(partitions);
        }
        settleDropped();
    }

    private String channelOf(String topic) {
        if (topic.equals(imagesTopic)) {
            return Channels.IMAGES_IN;
        }
        if (topic.equals(questionsTopic)) {
            return Channels.QUESTIONS_IN;
        }
        throw new IllegalStateException("partitions of " + topic + " assigned to an input channel");
    }

    /** Acks the records the ledger dropped: their offsets stay uncommitted, their partition's owner reads them again. */
    private void settleDropped() {
        List<Ticket> settle;
        synchronized (lock) {
            if (dropped.isEmpty()) {
                return;
            }
            settle = List.copyOf(dropped);
            dropped.clear();
        }
        settle.forEach(Ticket::ack);
    }

    private void writeLoop() {
        try {
            while (true) {
                OffsetLedger.Release<Ticket, List<ProducerRecord<byte[], byte[]>>> release;
                synchronized (lock) {
                    while ((release = ledger.release()).isEmpty() && !closing && failure == null) {
                        lock.wait();
                    }
                    if (release.isEmpty() || failure != null) {
                        return;
                    }
                }
                commit(release);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(e);
        } catch (RuntimeException | Error e) {
            fail(e);
        }
    }

    /** Commits a release, trying again with what is still held after an aborted transaction. */
    private void commit(OffsetLedger.Release<Ticket, List<ProducerRecord<byte[], byte[]>>> release)
            throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                transaction(release);
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                     | UnsupportedVersionException e) {
                throw e; // the producer cannot go on
            } catch (RuntimeException e) {
                producer.abortTransaction();
                if (attempt == MAX_ATTEMPTS) {
                    throw new IllegalStateException("the transaction failed " + attempt + " times", e);
                }
                LOG.warnf(e, "transaction aborted (attempt %d of %d); its records stay uncommitted and are written again",
                        attempt, MAX_ATTEMPTS);
                Thread.sleep(RETRY_BACKOFF.toMillis() * attempt);
                synchronized (lock) {
                    release = ledger.release();
                }
                settleDropped();
                if (release.isEmpty()) {
                    return;
                }
                continue;
            }
            List<Ticket> committed;
            synchronized (lock) {
                committed = ledger.committed(release);
            }
            committed.forEach(Ticket::ack);
            return;
        }
    }

    /** One transaction: every result of the release, and each channel's offsets with its consumer's group metadata. */
    private void transaction(OffsetLedger.Release<Ticket, List<ProducerRecord<byte[], byte[]>>> release) {
        producer.beginTransaction();
        for (OffsetLedger.Entry<Ticket, List<ProducerRecord<byte[], byte[]>>> e : release.entries()) {
            e.result().forEach(producer::send);
        }
        release.offsets().forEach((channel, offsets) ->
                producer.sendOffsetsToTransaction(offsets, groupMetadata(channel)));
        producer.commitTransaction();
    }

    private ConsumerGroupMetadata groupMetadata(String channel) {
        return clients.getConsumer(channel).consumerGroupMetadata().await().atMost(GROUP_METADATA_TIMEOUT);
    }

    /** The producer cannot go on: every record held is nacked and stays uncommitted. */
    private void fail(Throwable why) {
        List<Ticket> held;
        synchronized (lock) {
            if (failure != null) {
                return;
            }
            failure = why;
            held = ledger.clear();
        }
        settleDropped();
        LOG.errorf(why, "exactly-once delivery stopped; %d records stay uncommitted and are read again after a restart",
                held.size());
        held.forEach(t -> t.nack(why));
        producer.close(Duration.ZERO);
    }
}
