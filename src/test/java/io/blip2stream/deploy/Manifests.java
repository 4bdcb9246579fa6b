package io.blip2stream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The deployment manifests of one overlay, resolved (test support). */
record Manifests(String overlay, List<ObjectNode> resources) {

    static final Path K8S = Path.of("k8s");
    /** Every overlay a user can apply. */
    static final List<String> OVERLAYS = List.of("cpu", "gpu", "gpu-bundle-image");

    static Manifests of(String overlay) {
        try {
            return new Manifests(overlay, Kustomize.build(K8S.resolve("overlays").resolve(overlay)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Stream<Manifests> all() {
        return OVERLAYS.stream().map(Manifests::of);
    }

    ObjectNode get(String kind) {
        List<ObjectNode> found = resources.stream().filter(r -> r.path("kind").asText().equals(kind)).toList();
        if (found.size() != 1) {
            throw new IllegalStateException(overlay + ": " + found.size() + " resources of kind " + kind);
        }
        return found.getFirst();
    }

    JsonNode podSpec() {
        return get("Deployment").at("/spec/template/spec");
    }

    /** The service container. */
    JsonNode container() {
        for (JsonNode c : podSpec().path("containers")) {
            if (c.path("name").asText().equals("blip2-stream")) {
                return c;
            }
        }
        throw new IllegalStateException(overlay + ": no blip2-stream container");
    }

    JsonNode configData() {
        return get("ConfigMap").path("data");
    }

    @Override
    public String toString() {
        return overlay;
    }
}
