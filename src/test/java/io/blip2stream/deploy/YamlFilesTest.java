package io.blip2stream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every YAML file of the deployment parses, and every document says what it is. */
class YamlFilesTest {

    static Stream<Path> yamlFiles() throws IOException {
        return Stream.of(Path.of("k8s"), Path.of("kafka-topics"))
                .flatMap(dir -> {
                    try {
                        return Files.walk(dir).filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                                .sorted().toList().stream();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
    }

    @Test
    void thereAreYamlFilesToCheck() throws IOException {
        assertThat(yamlFiles().toList()).hasSizeGreaterThan(15);
    }

    @ParameterizedTest
    @MethodSource("yamlFiles")
    void parsesAndEveryDocumentHasApiVersionKindAndName(Path file) throws IOException {
        List<JsonNode> docs = Yaml.documents(file);

        assertThat(docs).as(file.toString()).isNotEmpty().allSatisfy(d -> {
            assertThat(d.path("apiVersion").asText()).as("%s apiVersion", file).isNotBlank();
            assertThat(d.path("kind").asText()).as("%s kind", file).isNotBlank();
            if (!d.path("kind").asText().equals("Kustomization")) {
                assertThat(d.at("/metadata/name").asText()).as("%s metadata.name", file).isNotBlank();
            }
        });
    }

    @Test
    void everyKustomizationReferencesExistingFiles() throws IOException {
        List<Path> kustomizations = yamlFiles().filter(p -> p.getFileName().toString().equals("kustomization.yaml")).toList();

        assertThat(kustomizations).hasSizeGreaterThanOrEqualTo(5).allSatisfy(k -> {
            JsonNode doc = Yaml.document(k);
            for (String field : List.of("resources", "bases", "patchesStrategicMerge")) {
                doc.path(field).forEach(entry -> assertThat(k.getParent().resolve(entry.asText()))
                        .as("%s: %s", k, entry.asText()).exists());
            }
        });
    }
}
