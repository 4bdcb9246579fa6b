package io.blip2stream.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The README stays one screen, CI runs its test command, and no link of the docs is broken. */
class DocsTest {

    private static final Path README = Path.of("README.md");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

    @Test
    void ciRunsExactlyTheReadmesTestCommand() throws IOException {
        List<String> readme = Files.readAllLines(README);
        String command = readme.stream().filter(l -> l.contains("mvn -B verify")).findFirst().orElseThrow();
        List<String> ci = Files.readAllLines(Path.of(".ci/run")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();

        assertThat(command).startsWith("JAVA_HOME=").contains("DJL_OFFLINE=true");
        assertThat(ci.getLast()).isEqualTo(command);
        assertThat(readme).contains("bash src/demo/run-demo.sh");
    }

    @Test
    void readmeIsOneScreen() throws IOException {
        assertThat(Files.readAllLines(README)).hasSizeLessThanOrEqualTo(150);
    }

    @Test
    void relativeLinksOfTheDocsResolve() throws IOException {
        List<Path> docs = new ArrayList<>(List.of(README, Path.of("k8s/README.md")));
        try (Stream<Path> files = Files.list(Path.of("src/docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        int links = 0;
        for (Path doc : docs) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("http://") || target.startsWith("https://")) {
                    continue;
                }
                links++;
                assertThat(doc.getParent() == null ? Path.of(target) : doc.getParent().resolve(target))
                        .as(doc + " links to " + target).exists();
            }
        }
        assertThat(links).isGreaterThan(20);
    }
}
