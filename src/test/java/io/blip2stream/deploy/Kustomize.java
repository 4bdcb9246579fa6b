package io.blip2stream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a kustomization the way kustomize does, for the features this repository uses:
 * {@code resources}, {@code bases}, {@code commonLabels}, {@code images} and
 * {@code patchesStrategicMerge} (merge keys of the built-in kinds; JSON merge semantics for
 * custom resources). Used when no kustomize binary is available; {@code KustomizeTest} checks
 * that it agrees with the real one wherever that is installed.
 */
final class Kustomize {

    /** Built-in kinds whose lists merge by key under a strategic merge patch. */
    private static final Set<String> BUILT_IN = Set.of(
            "Deployment", "Service", "ConfigMap", "ServiceAccount", "PersistentVolumeClaim", "PodDisruptionBudget");

    /** List fields of pod specs and their merge keys. */
    private static final Map<String, String> MERGE_KEYS = Map.of(
            "containers", "name", "initContainers", "name", "env", "name", "volumes", "name",
            "volumeMounts", "mountPath", "ports", "containerPort", "imagePullSecrets", "name");

    private Kustomize() {
    }

    /** The resources a kustomization directory produces. */
    static List<ObjectNode> build(Path dir) throws IOException {
        JsonNode k = Yaml.document(dir.resolve("kustomization.yaml"));
        List<ObjectNode> resources = new ArrayList<>();
        for (String field : List.of("bases", "resources")) {
            for (JsonNode entry : k.path(field)) {
                Path p = dir.resolve(entry.asText()).normalize();
                if (Files.isDirectory(p)) {
                    resources.addAll(build(p));
                } else {
                    for (JsonNode d : Yaml.documents(p)) {
                        resources.add((ObjectNode) d);
                    }
                }
            }
        }
        for (JsonNode patchFile : k.path("patchesStrategicMerge")) {
            for (JsonNode patch : Yaml.documents(dir.resolve(patchFile.asText()))) {
                ObjectNode target = find(resources, patch.path("kind").asText(), patch.at("/metadata/name").asText());
                merge(target, (ObjectNode) patch, BUILT_IN.contains(target.path("kind").asText()));
            }
        }
        k.path("commonLabels").properties().forEach(e -> resources.forEach(r -> label(r, e.getKey(), e.getValue().asText())));
        for (JsonNode image : k.path("images")) {
            resources.forEach(r -> retag(r, image));
        }
        return resources;
    }

    static ObjectNode find(List<ObjectNode> resources, String kind, String name) {
        return resources.stream()
                .filter(r -> r.path("kind").asText().equals(kind) && r.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + kind + "/" + name + " to patch"));
    }

    private static void merge(ObjectNode target, ObjectNode patch, boolean strategic) {
        Iterator<Map.Entry<String, JsonNode>> it = patch.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            JsonNode current = target.get(key);
            if (value.isNull()) {
                target.remove(key);
            } else if (value.isObject() && current != null && current.isObject()) {
                merge((ObjectNode) current, (ObjectNode) value, strategic);
            } else if (value.isArray() && current != null && current.isArray() && strategic && MERGE_KEYS.containsKey(key)) {
                mergeList((ArrayNode) current, (ArrayNode) value, MERGE_KEYS.get(key));
            } else {
                target.set(key, value.deepCopy());
            }
        }
    }

    private static void mergeList(ArrayNode current, ArrayNode patch, String mergeKey) {
        for (JsonNode item : patch) {
            JsonNode existing = null;
            for (JsonNode c : current) {
                if (c.path(mergeKey).equals(item.path(mergeKey))) {
                    existing = c;
                }
            }
            if (existing == null) {
                current.add(item.deepCopy());
            } else {
                merge((ObjectNode) existing, (ObjectNode) item, true);
            }
        }
    }

    private static void label(ObjectNode r, String key, String value) {
        r.withObjectProperty("metadata").withObjectProperty("labels").put(key, value);
        switch (r.path("kind").asText()) {
            case "Deployment" -> {
                ObjectNode spec = (ObjectNode) r.get("spec");
                spec.withObjectProperty("selector").withObjectProperty("matchLabels").put(key, value);
                spec.withObjectProperty("template").withObjectProperty("metadata").withObjectProperty("labels").put(key, value);
            }
            case "Service" -> ((ObjectNode) r.get("spec")).withObjectProperty("selector").put(key, value);
            case "PodDisruptionBudget" -> ((ObjectNode) r.get("spec")).withObjectProperty("selector").withObjectProperty("matchLabels").put(key, value);
            default -> {
                // other kinds carry the label on their metadata only
            }
        }
    }

    private static void retag(ObjectNode r, JsonNode image) {
        JsonNode podSpec = r.at("/spec/template/spec");
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : podSpec.path(list)) {
                String ref = c.path("image").asText();
                int colon = ref.lastIndexOf(':');
                String name = colon > ref.lastIndexOf('/') ? ref.substring(0, colon) : ref;
                String tag = colon > ref.lastIndexOf('/') ? ref.substring(colon + 1) : null;
                if (name.equals(image.path("name").asText())) {
                    String newName = image.has("newName") ? image.get("newName").asText() : name;
                    String newTag = image.has("newTag") ? image.get("newTag").asText() : tag;
                    ((ObjectNode) c).put("image", newTag == null ? newName : newName + ":" + newTag);
                }
            }
        }
    }
}
