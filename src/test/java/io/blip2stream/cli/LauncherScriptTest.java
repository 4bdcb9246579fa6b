package io.blip2stream.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/blip2} run by bash against fake JDKs (scripts that answer {@code -version} like a
 * JDK and otherwise print their arguments), with none of the machine's own Java in reach.
 */
class LauncherScriptTest {

    private static final Path SCRIPT = Path.of("bin/blip2").toAbsolutePath();

    @TempDir
    Path tmp;
    private Path app;

    record Run(int status, List<String> stdout, String stderr) {
    }

    @BeforeEach
    void anApplicationJar() throws IOException {
        app = Files.writeString(tmp.resolve("quarkus-run.jar"), "not opened by the fake JDKs");
    }

    @Test
    void theScriptIsExecutable() {
        assertThat(Files.isExecutable(SCRIPT)).isTrue();
    }

    @Test
    void anOldJavaHomeIsPassedOverForTheNewestJdkOfTheUsualFolder() throws Exception {
        Path old = jdk(tmp.resolve("old-home"), "17.0.2", "java17");
        Path jvm = tmp.resolve("jvm");
        jdk(jvm.resolve("java-21-openjdk-amd64"), "21.0.5", "java21");
        jdk(jvm.resolve("temurin-25-jdk-amd64"), "25.0.1", "java25");
        jdk(jvm.resolve("temurin-26-jdk-amd64"), "26", "java26");

        Run run = launch(Map.of("JAVA_HOME", old.toString(), "BLIP2_JVM_DIRS", jvm.toString()),
                "submit", "--question", "what colour is it?");

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stdout()).containsExactly("java26", "-jar", app.toString(), "submit", "--question", "what colour is it?");
    }

    @Test
    void aJavaHomeOf25OrNewerIsUsedAsItIs() throws Exception {
        Path home = jdk(tmp.resolve("home"), "25.0.1", "home25");
        Path jvm = tmp.resolve("jvm");
        jdk(jvm.resolve("temurin-26-jdk-amd64"), "26", "java26");

        Run run = launch(Map.of("JAVA_HOME", home.toString(), "BLIP2_JVM_DIRS", jvm.toString(),
                "BLIP2_JAVA_OPTS", "-Xmx1g -Dx=y"), "--help");

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stdout()).containsExactly("home25", "-Xmx1g", "-Dx=y", "-jar", app.toString(), "--help");
    }

    @Test
    void javaOnThePathIsTheLastResort() throws Exception {
        Path bin = jdk(tmp.resolve("path-jdk"), "25.0.1", "path25").resolve("bin");

        Run run = launch(Map.of("PATH", bin.toString()), "topics");

        assertThat(run.status()).as(run.stderr()).isZero();
        assertThat(run.stdout()).containsExactly("path25", "-jar", app.toString(), "topics");
    }

    @Test
    void withNoJava25ItSaysWhatItFoundAndHowToGetOne() throws Exception {
        Path old = jdk(tmp.resolve("old-home"), "17.0.2", "java17");
        Path jvm = tmp.resolve("jvm");
        jdk(jvm.resolve("java-21-openjdk-amd64"), "21.0.5", "java21");
        Path bin = jdk(tmp.resolve("path-jdk"), "1.8.0_392", "java8").resolve("bin");

        Run run = launch(Map.of("JAVA_HOME", old.toString(), "BLIP2_JVM_DIRS", jvm.toString(), "PATH", bin.toString()),
                "infer", "--help");

        assertThat(run.status()).isEqualTo(127);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr())
                .startsWith("blip2: needs Java 25 or newer, and found none. Looked at:")
                .contains("JAVA_HOME: " + old.resolve("bin/java") + " is Java 17")
                .contains(jvm.resolve("java-21-openjdk-amd64/bin/java") + " is Java 21")
                .contains("java on PATH: " + bin.resolve("java") + " is Java 8")
                .contains("sudo apt-get install temurin-25-jdk")
                .contains("https://adoptium.net/");
    }

    @Test
    void withNoJavaAtAllItSaysSo() throws Exception {
        Run run = launch(Map.of(), "--help");

        assertThat(run.status()).isEqualTo(127);
        assertThat(run.stderr()).contains("no JDK").contains("PATH: no java").contains("temurin-25-jdk");
    }

    @Test
    void withNoPackagedApplicationItSaysHowToBuildIt() throws Exception {
        Path home = jdk(tmp.resolve("home"), "25.0.1", "home25");

        Run run = launch(Map.of("JAVA_HOME", home.toString(), "BLIP2_APP", tmp.resolve("missing.jar").toString()));

        assertThat(run.status()).isEqualTo(127);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains("no packaged application at " + tmp.resolve("missing.jar"))
                .contains("JAVA_HOME=" + home + " mvn -B package -DskipTests");
    }

    /** A folder that looks like a JDK: bin/java answers -version with {@code version}, else prints its name and arguments. */
    private static Path jdk(Path home, String version, String name) throws IOException {
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, """
                #!/bin/bash
                if [ "$1" = -version ]; then
                  echo 'openjdk version "%s" 2026-01-20' >&2
                  exit 0
                fi
                printf '%%s\\n' %s "$@"
                """.formatted(version, name), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    private Run launch(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/bin/bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().put("PATH", tmp.resolve("empty-path").toString());   // none of the machine's java
        pb.environment().put("BLIP2_APP", app.toString());
        pb.environment().put("BLIP2_JVM_DIRS", tmp.resolve("no-jvm-dir").toString());
        pb.environment().putAll(env);
        pb.redirectOutput(tmp.resolve("stdout.txt").toFile());
        pb.redirectError(tmp.resolve("stderr.txt").toFile());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("bin/blip2 did not finish within 30 s");
        }
        return new Run(p.exitValue(), Files.readString(tmp.resolve("stdout.txt")).lines().toList(),
                Files.readString(tmp.resolve("stderr.txt")));
    }
}
