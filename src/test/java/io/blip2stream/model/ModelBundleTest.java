package io.blip2stream.model;

import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelBundleTest {

    @Test
    void opensTheTinyBundles() {
        ModelBundle opt = ModelBundle.open(Fixtures.bundle("tiny-opt"));
        assertThat(opt.family()).isEqualTo(Family.OPT);
        assertThat(opt.manifest().tokens().eosTokenIds()).isNotEmpty();
        assertThat(opt.graphPath(GraphNames.DECODER)).exists();
        ModelBundle t5 = ModelBundle.open(Fixtures.bundle("tiny-t5"));
        assertThat(t5.family()).isEqualTo(Family.T5);
        assertThat(t5.manifest().tokens().decoderStartTokenId()).isNotNull();
    }

    @Test
    void aMissingDirectoryOrManifestIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelBundle.open(dir.resolve("nope")))
                .isInstanceOf(BundleException.class).hasMessageContaining("bundle directory not found");
        assertThatThrownBy(() -> ModelBundle.open(dir))
                .isInstanceOf(BundleException.class).hasMessageContaining("has no manifest.json");
    }

    @Test
    void aMissingGraphFileIsNamed(@TempDir Path dir) throws IOException {
        copyManifest(dir, s -> s);
        Files.copy(Fixtures.bundle("tiny-opt").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> ModelBundle.open(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("graph vision file is missing")
                .hasMessageContaining("graph decoder file is missing");
    }

    @Test
    void anUnknownFamilyAndAnotherFormatVersionAreRejected(@TempDir Path dir) throws IOException {
        copyManifest(dir, s -> s.replaceFirst("\"family\"\\s*:\\s*\"opt\"", "\"family\": \"llama\"")
                .replaceFirst("\"format_version\"\\s*:\\s*1", "\"format_version\": 7"));
        assertThatThrownBy(() -> ModelBundle.open(dir))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("unknown family 'llama'")
                .hasMessageContaining("format_version 7 is not supported");
    }

    private static void copyManifest(Path dir, java.util.function.UnaryOperator<String> edit) throws IOException {
        String m = Files.readString(Fixtures.bundle("tiny-opt").resolve("manifest.json"));
        Files.writeString(dir.resolve("manifest.json"), edit.apply(m));
    }
}
