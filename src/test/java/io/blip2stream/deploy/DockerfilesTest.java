package io.blip2stream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The container images: pinned bases, non-root, tokenizer offline, the right ONNX Runtime. */
class DockerfilesTest {

    private static final Pattern FROM = Pattern.compile("^FROM\\s+(\\S+)", Pattern.MULTILINE);
    private static final Pattern USER = Pattern.compile("^USER\\s+(\\S+)", Pattern.MULTILINE);

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu", "Dockerfile.native", "Dockerfile.bundle"})
    void basesArePinnedAndTheImageRunsAsANonRootUser(String name) throws IOException {
        String text = Files.readString(Path.of("src/main/docker", name));

        Matcher from = FROM.matcher(text);
        int bases = 0;
        while (from.find()) {
            DeploymentContractTest.assertPinned(from.group(1));
            bases++;
        }
        assertThat(bases).isPositive();
        List<String> users = USER.matcher(text).results().map(r -> r.group(1)).toList();
        assertThat(users).as("%s final USER", name).isNotEmpty();
        String uid = users.getLast().split(":")[0];
        assertThat(uid).as(name).isNotIn("0", "root").matches("\\d+");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.gpu", "Dockerfile.native"})
    void djlStaysOfflineOrtTelemetryOffAndTheDrainSignalReachesTheService(String name) throws IOException {
        String text = Files.readString(Path.of("src/main/docker", name));

        assertThat(text).contains("DJL_OFFLINE=true").contains("ORT_DISABLE_TELEMETRY=1").contains("EXPOSE 8080");
        assertThat(text).containsPattern("ENTRYPOINT \\[\"(/work/application|sh\", \"-c\", \"exec java)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile.jvm", "Dockerfile.native"})
    void cpuImagesUseTheCpuBuild(String name) throws IOException {
        assertThat(Files.readString(Path.of("src/main/docker", name))).doesNotContain("onnxruntime_gpu").doesNotContain("cuda");
    }

    @org.junit.jupiter.api.Test
    void gpuImageIsCuda12WithCudnn9AndTheGpuBuild() throws IOException {
        String text = Files.readString(Path.of("src/main/docker/Dockerfile.gpu"));

        assertThat(text).containsPattern("FROM nvidia/cuda:12\\.[0-9.]+-cudnn-runtime-");
        assertThat(text).contains("-Ponnxruntime_gpu package");
    }
}
