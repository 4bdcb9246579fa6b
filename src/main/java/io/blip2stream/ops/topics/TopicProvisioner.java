package io.blip2stream.ops.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the missing topics on a Kafka cluster through the Admin client and compares the
 * existing ones with their definitions. Existing topics are never altered, so running it again
 * changes nothing: it is safe as a deployment step.
 */
public final class TopicProvisioner {

    private final Admin admin;
    private final Duration timeout;

    /**
     * @param admin   an Admin client for the target cluster (not closed here)
     * @param timeout how long to wait for each cluster call
     */
    public TopicProvisioner(Admin admin, Duration timeout) {
        this.admin = admin;
        this.timeout = timeout;
    }

    /**
     * Provisions {@code topics}: creates the missing ones (or, with {@code dryRun}, asks the
     * broker to validate their creation only) and reports drift for the existing ones.
     */
    public List<TopicStatus> provision(List<TopicDefinition> topics, boolean dryRun)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = await(admin.listTopics().names());
        List<TopicDefinition> missing = topics.stream().filter(t -> !existing.contains(t.name())).toList();
        Set<String> raced = create(missing, dryRun);

        List<String> toDescribe = topics.stream()
                .map(TopicDefinition::name)
                .filter(n -> existing.contains(n) || raced.contains(n))
                .toList();
        Map<String, ObservedTopic> observed = describe(toDescribe);

        List<TopicStatus> statuses = new ArrayList<>();
        for (TopicDefinition t : topics) {
            ObservedTopic o = observed.get(t.name());
            if (o != null) {
                statuses.add(new TopicStatus(t, TopicAction.EXISTS, TopicComparison.drift(t, o)));
            } else {
                statuses.add(new TopicStatus(t, dryRun ? TopicAction.WOULD_CREATE : TopicAction.CREATED, List.of()));
            }
        }
        return List.copyOf(statuses);
    }

    /** Creates {@code missing}; returns the names another client created meanwhile. */
    private Set<String> create(List<TopicDefinition> missing, boolean dryRun)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (missing.isEmpty()) {
            return Set.of();
        }
        List<NewTopic> newTopics = missing.stream()
                .map(t -> new NewTopic(t.name(), t.partitions(), t.replicationFactor()).configs(t.configs()))
                .toList();
        var result = admin.createTopics(newTopics, new CreateTopicsOptions().validateOnly(dryRun));
        Set<String> raced = new HashSet<>();
        for (var e : result.values().entrySet()) {
            try {
                await(e.getValue());
            } catch (ExecutionException ex) {
                if (ex.getCause() instanceof TopicExistsException) {
                    raced.add(e.getKey());
                } else {
                    throw ex;
                }
            }
        }
        return raced;
    }

    private Map<String, ObservedTopic> describe(Collection<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (names.isEmpty()) {
            return Map.of();
        }
        Map<String, TopicDescription> descriptions = await(admin.describeTopics(names).allTopicNames());
        List<ConfigResource> resources = names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                .toList();
        Map<ConfigResource, Config> configs = await(admin.describeConfigs(resources).all());
        Map<String, ObservedTopic> observed = new HashMap<>();
        for (String name : names) {
            TopicDescription d = descriptions.get(name);
            Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
            Map<String, String> values = c.entries().stream()
                    .filter(entry -> entry.value() != null)
                    .collect(Collectors.toMap(entry -> entry.name(), entry -> entry.value()));
            short rf = (short) d.partitions().getFirst().replicas().size();
            observed.put(name, new ObservedTopic(name, d.partitions().size(), rf, values));
        }
        return observed;
    }

    private <T> T await(KafkaFuture<T> future)
            throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
