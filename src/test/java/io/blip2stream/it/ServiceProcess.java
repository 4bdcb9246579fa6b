package io.blip2stream.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}) as a child process on a free
 * HTTP port, with its output in a log file. Every instance is also destroyed by a JVM shutdown
 * hook, so none outlives the JVM that started it.
 */
public final class ServiceProcess implements AutoCloseable {

    public static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    /** The heap limit of a service started without one of its own. */
    private static final String DEFAULT_HEAP = "-Xmx768m";

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    private final String name;
    private final int httpPort;
    private final Path log;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private ServiceProcess(String name, int httpPort, Path log, Process process) {
        this.name = name;
        this.httpPort = httpPort;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts the packaged service.
     *
     * @param name        instance name (log file name)
     * @param environment variables on top of this JVM's (KAFKA_BOOTSTRAP_SERVERS, BLIP2_* …)
     * @param jvmOptions  extra JVM options ({@code -Dkafka.session.timeout.ms=…}); without a heap limit
     *                    ({@code -Xmx…}, {@code -XX:MaxRAMPercentage=…}) the service gets {@value #DEFAULT_HEAP}
     */
    public static ServiceProcess start(String name, Map<String, String> environment, List<String> jvmOptions) {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run the package phase first (mvn verify)");
        }
        int port = freePort();
        Path logDir = Path.of("target", "it-logs");
        Path log = logDir.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
                "-XX:ErrorFile=" + logDir.toAbsolutePath().resolve(name + "-hs_err_%p.log")));
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-Xmx") || o.startsWith("-XX:MaxRAMPercentage="))) {
            command.add(DEFAULT_HEAP);
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        try {
            Files.createDirectories(logDir);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            builder.environment().put("HTTP_PORT", Integer.toString(port));
            builder.environment().put("DJL_OFFLINE", "true");
            builder.environment().put("OPT_OUT_TRACKING", "true");
            Process process = builder.start();
            LIVE.add(process);
            return new ServiceProcess(name, port, log, process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** What a command of the packaged application printed, and its exit status. */
    public record CommandResult(int exitStatus, String stdout, String stderr) {
    }

    /**
     * Runs a command of the packaged application ({@code submit …}) to completion.
     *
     * @throws IllegalStateException when it does not end within {@code timeout}
     */
    public static CommandResult runCommand(List<String> args, Duration timeout, Map<String, String> environment) {
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
                "-jar", JAR.toString()));
        command.addAll(args);
        try {
            Path stdout = Files.createTempFile("blip2-command", ".out");
            Path stderr = Files.createTempFile("blip2-command", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            LIVE.add(process);
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException(String.join(" ", args) + " did not end within " + timeout);
                }
                return new CommandResult(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
            } finally {
                process.destroyForcibly();
                LIVE.remove(process);
                Files.deleteIfExists(stdout);
                Files.deleteIfExists(stderr);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits until /q/health/ready answers 200; fails early if the process exits. */
    public ServiceProcess awaitReady(Duration timeout) {
        await(name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ", see " + log);
            }
            return readyStatus() == 200;
        });
        return this;
    }

    private int readyStatus() {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Abrupt end, as a crash or an OOM kill: SIGKILL, nothing flushed, nothing committed. */
    public void kill() {
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** Starts a graceful end: SIGTERM, returns at once. */
    public void terminate() {
        process.destroy();
    }

    /**
     * Waits for the process to end by itself, killing it after {@code timeout}.
     *
     * @return its exit status
     */
    public int awaitExit(Duration timeout) {
        if (!waitForExit(timeout)) {
            process.destroyForcibly();
            waitForExit(Duration.ofSeconds(30));
        }
        return process.exitValue();
    }

    private boolean waitForExit(Duration timeout) {
        try {
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (exited) {
                LIVE.remove(process);
            }
            return exited;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String name() {
        return name;
    }

    public int httpPort() {
        return httpPort;
    }

    public Path log() {
        return log;
    }

    /** The operating-system process (its pid, its CPU time). */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        waitForExit(Duration.ofSeconds(30));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
