package io.blip2stream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.blip2stream.ops.topics.TopicCatalog;
import io.blip2stream.ops.topics.TopicDefinition;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * k8s/ and kafka-topics/ agree with each other and with the service's own configuration
 * (application.properties): names, ports, probe paths, environment variables, size limits,
 * scaling bounds, security and resources.
 */
class DeploymentContractTest {

    /** Environment variables the deployment may set that are not the service's own keys. */
    private static final Set<String> THIRD_PARTY_ENV = Set.of(
            "DJL_CACHE_DIR", "DJL_OFFLINE", "ORT_DISABLE_TELEMETRY", "JAVA_OPTS", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES");

    private static ServiceProperties config;
    private static Map<String, TopicDefinition> topics;

    @BeforeAll
    static void load() throws Exception {
        config = ServiceProperties.load();
        try (InputStream in = new FileInputStream("kafka-topics/topics.yaml")) {
            topics = TopicCatalog.parse(in).stream()
                    .collect(Collectors.toMap(TopicDefinition::name, Function.identity()));
        }
    }

    static Stream<Manifests> overlays() {
        return Manifests.all();
    }

    private static List<String> topicKeys() {
        return List.of("blip2.topics.images", "blip2.topics.questions", "blip2.topics.captions",
                "blip2.topics.answers", "blip2.topics.dlq");
    }

    // ---- kafka-topics/ against the service

    @Test
    void kafkaTopicsDefineExactlyTheServiceTopics() {
        Set<String> serviceTopics = new HashSet<>();
        topicKeys().forEach(k -> serviceTopics.add(config.defaultOf(k)));

        assertThat(topics.keySet()).isEqualTo(serviceTopics);
    }

    @Test
    void everyTopicAcceptsTheLargestRecordTheServiceWrites() {
        long max = Long.parseLong(config.defaultOf("blip2.kafka.max-message-bytes"));

        assertThat(topics.values()).allSatisfy(t -> {
            long topicMax = Long.parseLong(t.configs().get("max.message.bytes"));
            assertThat(topicMax).as("%s max.message.bytes", t.name()).isGreaterThanOrEqualTo(max);
            assertThat(Integer.parseInt(t.configs().get("min.insync.replicas")))
                    .as("%s min.insync.replicas", t.name()).isLessThanOrEqualTo(t.replicationFactor());
            assertThat(Long.parseLong(t.configs().get("retention.ms"))).as("%s retention", t.name()).isPositive();
        });
    }

    @Test
    void strimziClusterLabelIsTheOneTheBootstrapAddressNames() throws Exception {
        JsonNode k = Yaml.document(Path.of("kafka-topics/kustomization.yaml"));
        String cluster = k.at("/commonLabels/strimzi.io~1cluster").asText();

        assertThat(cluster).isNotBlank();
        Manifests.all().forEach(m -> assertThat(m.configData().path("KAFKA_BOOTSTRAP_SERVERS").asText())
                .as(m.overlay()).startsWith(cluster + "-kafka-bootstrap"));
    }

    @Test
    void serviceChannelsReadAndWriteTheseTopicsWithTheSameSizeLimit() {
        String max = "${blip2.kafka.max-message-bytes}";
        List<String> incoming = channels("incoming");
        List<String> outgoing = channels("outgoing");

        assertThat(incoming).hasSize(2);
        assertThat(incoming).allSatisfy(ch -> {
            String prefix = "mp.messaging.incoming." + ch + ".";
            assertThat(config.raw().get(prefix + "topic")).isIn("${blip2.topics.images}", "${blip2.topics.questions}");
            assertThat(config.raw().get(prefix + "group.id")).isEqualTo("${blip2.consumer-group}");
            assertThat(config.raw().get(prefix + "max.partition.fetch.bytes")).as(ch).isEqualTo(max);
        });
        assertThat(outgoing).hasSize(3);
        assertThat(outgoing).allSatisfy(ch -> {
            String prefix = "mp.messaging.outgoing." + ch + ".";
            assertThat(config.raw().get(prefix + "topic"))
                    .isIn("${blip2.topics.captions}", "${blip2.topics.answers}", "${blip2.topics.dlq}");
            assertThat(config.raw().get(prefix + "max.request.size")).as(ch).isEqualTo(max);
        });
        long limit = Long.parseLong(config.defaultOf("blip2.kafka.max-message-bytes"));
        long dlq = Long.parseLong(topics.get(config.defaultOf("blip2.topics.dlq")).configs().get("max.message.bytes"));
        assertThat(dlq).as("dead-letter records carry headers on top of the original").isGreaterThan(limit);
    }

    private static List<String> channels(String direction) {
        String prefix = "mp.messaging." + direction + ".";
        return config.raw().keySet().stream()
                .filter(k -> k.startsWith(prefix) && k.endsWith(".connector"))
                .filter(k -> config.raw().get(k).equals("smallrye-kafka"))
                .map(k -> k.substring(prefix.length(), k.length() - ".connector".length()))
                .sorted().toList();
    }

    // ---- k8s/ against the service and kafka-topics/

    @ParameterizedTest
    @MethodSource("overlays")
    void kedaCountsLagAsTheServiceConsumes(Manifests m) {
        List<String> resets = channels("incoming").stream()
                .map(ch -> config.raw().get("mp.messaging.incoming." + ch + ".auto.offset.reset")).distinct().toList();

        assertThat(resets).hasSize(1);
        assertThat(m.get("ScaledObject").at("/spec/triggers")).allSatisfy(t ->
                assertThat(t.at("/metadata/offsetResetPolicy").asText()).isEqualTo(resets.getFirst()));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void gracePeriodOutlastsTheServiceDrain(Manifests m) {
        String env = config.envOf("blip2.shutdown-timeout-ms");
        long shutdownMs = Long.parseLong(m.configData().has(env)
                ? m.configData().path(env).asText() : config.defaultOf("blip2.shutdown-timeout-ms"));
        long deliveryMs = Long.parseLong(config.defaultOf("blip2.kafka.delivery-timeout-ms"));
        long graceMs = m.podSpec().path("terminationGracePeriodSeconds").asLong() * 1000;

        assertThat(shutdownMs).isGreaterThan(deliveryMs);
        assertThat(graceMs).isGreaterThanOrEqualTo(shutdownMs + 10_000);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void configMapSetsOnlyTheServiceVariablesWithTheServiceDefaults(Manifests m) {
        JsonNode data = m.configData();
        Set<String> serviceEnv = config.defaultByEnv().keySet();
        List<String> keys = new ArrayList<>();
        data.fieldNames().forEachRemaining(keys::add);

        assertThat(keys).allSatisfy(k -> assertThat(serviceEnv).as("%s is read by application.properties", k).contains(k));
        for (String key : topicKeys()) {
            assertThat(data.path(config.envOf(key)).asText()).as(key).isEqualTo(config.defaultOf(key));
        }
        assertThat(data.path(config.envOf("blip2.consumer-group")).asText()).isEqualTo(config.defaultOf("blip2.consumer-group"));
        assertThat(data.path(config.envOf("blip2.kafka.max-message-bytes")).asText())
                .isEqualTo(config.defaultOf("blip2.kafka.max-message-bytes"));
        assertThat(data.path(config.envOf("quarkus.http.port")).asText()).isEqualTo(config.defaultOf("quarkus.http.port"));
        assertThat(data.has(config.envOf("kafka.bootstrap.servers"))).isTrue();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void containerEnvironmentIsTheServiceOrAKnownRuntimeVariable(Manifests m) {
        Set<String> serviceEnv = config.defaultByEnv().keySet();

        assertThat(m.container().path("env")).allSatisfy(e -> assertThat(e.path("name").asText())
                .satisfiesAnyOf(n -> assertThat(serviceEnv).contains(n), n -> assertThat(THIRD_PARTY_ENV).contains(n)));
        assertThat(m.container().at("/envFrom/0/configMapRef/name").asText())
                .isEqualTo(m.get("ConfigMap").at("/metadata/name").asText());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void bundleVariablePointsIntoTheMountedBundleVolume(Manifests m) {
        String bundle = m.configData().path(config.envOf("blip2.bundle")).asText();
        JsonNode mount = null;
        for (JsonNode vm : m.container().path("volumeMounts")) {
            if (vm.path("name").asText().equals("bundle")) {
                mount = vm;
            }
        }

        assertThat(mount).isNotNull();
        assertThat(bundle).startsWith(mount.path("mountPath").asText() + "/");
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void portsProbesServiceAndScrapeUseTheServiceEndpoints(Manifests m) {
        int port = Integer.parseInt(config.defaultOf("quarkus.http.port"));
        JsonNode c = m.container();

        assertThat(c.at("/ports/0/containerPort").asInt()).isEqualTo(port);
        assertThat(c.at("/ports/0/name").asText()).isEqualTo("http");
        assertThat(c.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertThat(c.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo("http");
        }
        JsonNode service = m.get("Service");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(port);
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        JsonNode monitor = m.get("ServiceMonitor");
        assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo(service.at("/spec/ports/0/name").asText());
        assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void selectorsMatchThePods(Manifests m) {
        Map<String, String> podLabels = strings(m.get("Deployment").at("/spec/template/metadata/labels"));

        assertThat(podLabels).containsAllEntriesOf(strings(m.get("Deployment").at("/spec/selector/matchLabels")));
        assertThat(podLabels).containsAllEntriesOf(strings(m.get("Service").at("/spec/selector")));
        assertThat(podLabels).containsAllEntriesOf(strings(m.get("PodDisruptionBudget").at("/spec/selector/matchLabels")));
        assertThat(strings(m.get("Service").at("/metadata/labels")))
                .containsAllEntriesOf(strings(m.get("ServiceMonitor").at("/spec/selector/matchLabels")));
        assertThat(m.get("ScaledObject").at("/spec/scaleTargetRef/name").asText())
                .isEqualTo(m.get("Deployment").at("/metadata/name").asText());
        assertThat(m.podSpec().path("serviceAccountName").asText())
                .isEqualTo(m.get("ServiceAccount").at("/metadata/name").asText());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void kedaWatchesTheServiceGroupOnBothInputTopicsWithinThePartitionBound(Manifests m) {
        JsonNode so = m.get("ScaledObject").path("spec");
        JsonNode data = m.configData();
        Set<String> triggerTopics = new HashSet<>();
        int max = so.path("maxReplicaCount").asInt();

        for (JsonNode t : so.path("triggers")) {
            assertThat(t.path("type").asText()).isEqualTo("kafka");
            JsonNode md = t.path("metadata");
            assertThat(md.path("consumerGroup").asText()).isEqualTo(config.defaultOf("blip2.consumer-group"));
            assertThat(md.path("bootstrapServers").asText()).isEqualTo(data.path("KAFKA_BOOTSTRAP_SERVERS").asText());
            assertThat(Integer.parseInt(md.path("lagThreshold").asText())).isPositive();
            assertThat(md.path("allowIdleConsumers").asText()).isEqualTo("false");
            String topic = md.path("topic").asText();
            triggerTopics.add(topic);
            assertThat(topics).containsKey(topic);
            assertThat(max).as("maxReplicaCount <= partitions of %s", topic).isLessThanOrEqualTo(topics.get(topic).partitions());
        }
        assertThat(triggerTopics).containsExactlyInAnyOrder(
                config.defaultOf("blip2.topics.images"), config.defaultOf("blip2.topics.questions"));
        assertThat(so.path("minReplicaCount").asInt()).isBetween(0, max);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void podRunsNonRootOnAReadOnlyRootWithAWritableTmp(Manifests m) {
        JsonNode pod = m.podSpec();
        JsonNode c = m.container();

        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
        assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(c.at("/securityContext/capabilities/drop").toString()).contains("ALL");
        assertThat(c.path("volumeMounts")).anySatisfy(vm -> assertThat(vm.path("mountPath").asText()).isEqualTo("/tmp"));
        assertThat(pod.path("volumes")).anySatisfy(v -> {
            assertThat(v.path("name").asText()).isEqualTo("tmp");
            assertThat(v.has("emptyDir")).isTrue();
        });
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isGreaterThanOrEqualTo(60);
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerHasRequestsAndLimits(Manifests m) {
        List<JsonNode> containers = new ArrayList<>();
        m.podSpec().path("containers").forEach(containers::add);
        m.podSpec().path("initContainers").forEach(containers::add);

        assertThat(containers).isNotEmpty().allSatisfy(c -> {
            for (String kind : List.of("requests", "limits")) {
                JsonNode r = c.path("resources").path(kind);
                assertThat(r.has("cpu") && r.has("memory") && r.has("ephemeral-storage"))
                        .as("%s %s %s", m.overlay(), c.path("name").asText(), kind).isTrue();
            }
        });
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void gpuOnlyWhereAskedForOneGpuPerPod(Manifests m) {
        JsonNode limits = m.container().at("/resources/limits");

        if (m.overlay().startsWith("gpu")) {
            assertThat(limits.path("nvidia.com/gpu").asText()).isEqualTo("1");
            assertThat(m.container().path("image").asText()).contains("cuda");
        } else {
            assertThat(limits.has("nvidia.com/gpu")).isFalse();
            assertThat(m.container().path("image").asText()).doesNotContain("cuda");
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyImageIsPinned(Manifests m) {
        List<String> images = new ArrayList<>();
        m.podSpec().path("containers").forEach(c -> images.add(c.path("image").asText()));
        m.podSpec().path("initContainers").forEach(c -> images.add(c.path("image").asText()));

        assertThat(images).isNotEmpty().allSatisfy(DeploymentContractTest::assertPinned);
    }

    static void assertPinned(String image) {
        if (image.contains("@sha256:")) {
            return;
        }
        int colon = image.lastIndexOf(':');
        assertThat(colon).as("%s has a tag", image).isGreaterThan(image.lastIndexOf('/'));
        assertThat(image.substring(colon + 1)).as(image).isNotBlank().isNotEqualToIgnoringCase("latest");
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> m = new java.util.TreeMap<>();
        object.properties().forEach(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }
}
