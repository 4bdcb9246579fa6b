package io.blip2stream.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An opened, validated bundle directory: its manifest and the paths of its files.
 *
 * @param dir      the bundle directory (absolute)
 * @param manifest the validated manifest
 */
public record ModelBundle(Path dir, BundleManifest manifest) {

    public static final String MANIFEST_FILE = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /**
     * Reads and validates {@code dir/manifest.json}.
     *
     * @throws BundleException when the directory, the manifest or a file it names is unusable
     */
    public static ModelBundle open(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new BundleException("bundle directory not found: " + abs);
        }
        Path manifestPath = abs.resolve(MANIFEST_FILE);
        if (!Files.isRegularFile(manifestPath)) {
            throw new BundleException("bundle " + abs + " has no " + MANIFEST_FILE);
        }
        BundleManifest manifest;
        try {
            manifest = JSON.readValue(manifestPath.toFile(), BundleManifest.class);
        } catch (IOException e) {
            throw new BundleException("cannot parse " + manifestPath + ": " + e.getMessage(), e);
        }
        ManifestValidator.validate(manifest, abs);
        return new ModelBundle(abs, manifest);
    }

    public Family family() {
        return manifest.familyEnum();
    }

    /** Path of a graph by its manifest key ({@link GraphNames}). */
    public Path graphPath(String graph) {
        BundleManifest.Graph g = manifest.graphs().get(graph);
        if (g == null) {
            throw new BundleException("bundle " + dir + " has no graph '" + graph + "'");
        }
        return dir.resolve(g.file());
    }

    public BundleManifest.Graph graph(String graph) {
        BundleManifest.Graph g = manifest.graphs().get(graph);
        if (g == null) {
            throw new BundleException("bundle " + dir + " has no graph '" + graph + "'");
        }
        return g;
    }

    public Path tokenizerPath() {
        return dir.resolve(manifest.tokenizer().file());
    }
}
