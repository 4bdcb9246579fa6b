package io.blip2stream.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real kustomize: {@code kustomize build DIR} or {@code kubectl kustomize DIR}, whichever is on
 * the PATH (Debian: {@code apt-get install kubernetes-client}).
 */
final class KustomizeCli {

    private final List<String> command;

    private KustomizeCli(List<String> command) {
        this.command = command;
    }

    /** The first kustomize implementation found on the PATH, if any. */
    static Optional<KustomizeCli> find() {
        Optional<Path> kustomize = onPath("kustomize");
        if (kustomize.isPresent()) {
            return Optional.of(new KustomizeCli(List.of(kustomize.get().toString(), "build")));
        }
        return onPath("kubectl").map(p -> new KustomizeCli(List.of(p.toString(), "kustomize")));
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The resources {@code dir} builds to. */
    List<ObjectNode> build(Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        cmd.add(dir.toString());
        Path out = Files.createTempFile("kustomize", ".yaml");
        Path err = Files.createTempFile("kustomize", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 120 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: "
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            List<ObjectNode> docs = new ArrayList<>();
            for (JsonNode d : Yaml.documents(out)) {
                docs.add((ObjectNode) d);
            }
            return docs;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }
}
