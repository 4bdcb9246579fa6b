package io.blip2stream.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The overlays assembled by a real kustomize (when one is installed: CI installs Debian's
 * kubernetes-client) equal what {@link Kustomize} assembles, which the other deployment tests
 * check. So those checks hold for what `kubectl apply -k` really applies.
 */
class KustomizeTest {

    static final List<String> OVERLAYS = Manifests.OVERLAYS;

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void realKustomizeBuildsTheSameResources(String overlay) throws Exception {
        Optional<KustomizeCli> cli = KustomizeCli.find();
        assumeTrue(cli.isPresent(), "no kustomize or kubectl on the PATH");

        List<ObjectNode> real = cli.get().build(Manifests.K8S.resolve("overlays").resolve(overlay));
        List<ObjectNode> ours = Kustomize.build(Manifests.K8S.resolve("overlays").resolve(overlay));

        assertThat(byId(real)).as("%s built by %s", overlay, cli.get()).isEqualTo(byId(ours));
    }

    @ParameterizedTest
    @FieldSource("OVERLAYS")
    void everyOverlayHasTheWholeDeployment(String overlay) throws Exception {
        List<ObjectNode> resources = Kustomize.build(Path.of("k8s/overlays", overlay));

        assertThat(resources).extracting(r -> r.path("kind").asText()).containsExactlyInAnyOrder(
                "ServiceAccount", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service",
                "PodDisruptionBudget", "ServiceMonitor", "ScaledObject");
    }

    /** Resources keyed by kind/name, with named list items in name order (kustomize reorders them). */
    private static Map<String, JsonNode> byId(List<ObjectNode> resources) {
        Map<String, JsonNode> m = new TreeMap<>();
        for (ObjectNode r : resources) {
            m.put(r.path("kind").asText() + "/" + r.at("/metadata/name").asText(), normalise(r));
        }
        return m;
    }

    private static JsonNode normalise(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            n.properties().forEach(e -> o.set(e.getKey(), normalise(e.getValue())));
            return o;
        }
        if (n.isArray()) {
            List<JsonNode> items = new ArrayList<>();
            n.forEach(i -> items.add(normalise(i)));
            if (!items.isEmpty() && items.stream().allMatch(i -> i.has("name"))) {
                items.sort(Comparator.comparing(i -> i.get("name").asText()));
            }
            ArrayNode a = JsonNodeFactory.instance.arrayNode();
            items.forEach(a::add);
            return a;
        }
        return n;
    }
}
