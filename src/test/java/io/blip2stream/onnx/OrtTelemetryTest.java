package io.blip2stream.onnx;

import io.blip2stream.onnx.capi.OrtTelemetry;
import io.blip2stream.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ONNX Runtime's telemetry stays off in every process that opens a graph: no
 * {@code /tmp/mat-debug-<pid>.log}, and a command line over 4 KB (which its telemetry reads into a
 * fixed buffer, killing the process) is harmless. Runs a JVM of its own, without
 * {@value OrtTelemetry#VARIABLE} in its environment.
 */
class OrtTelemetryTest {

    /** The child process: opens one graph through {@link OrtSessions}, prints its pid. */
    public static final class Probe {
        public static void main(String[] args) {
            try (var session = new OrtSessions(OrtConfig.defaults().withDevice(Device.CPU))
                    .open(Path.of(args[0]), "vision")) {
                System.out.println("opened " + session.getInputNames() + " in pid " + ProcessHandle.current().pid());
            } catch (ai.onnxruntime.OrtException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aProcessWithACommandLineOverFourKilobytesOpensAGraphAndLeavesNoTelemetryLog() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String longArgument = "x".repeat(6000);
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName(),
                Fixtures.bundle("tiny-opt").resolve("vision.onnx").toAbsolutePath().toString(), longArgument))
                .redirectErrorStream(true);
        pb.environment().remove(OrtTelemetry.VARIABLE);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);

        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).contains("opened [pixel_values] in pid " + p.pid());
        assertThat(Path.of("/tmp", "mat-debug-" + p.pid() + ".log")).doesNotExist();
    }
}
