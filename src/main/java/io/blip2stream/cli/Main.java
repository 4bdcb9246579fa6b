package io.blip2stream.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Entry point of the packaged application. A known subcommand ({@code infer}, {@code bench}, …)
 * runs directly, without starting Quarkus or Kafka; anything else starts the service.
 */
@QuarkusMain
public final class Main {

    /** Subcommands by name; each runs without the service. */
    static final Map<String, Supplier<Command>> COMMANDS = new TreeMap<>(Map.of(
            "infer", InferCommand::new,
            "bench", BenchCommand::new,
            TopicsCommand.NAME, TopicsCommand::new,
            SubmitCommand.NAME, SubmitCommand::new));

    private Main() {
    }

    public static void main(String... args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");   // DJL must never call out
        }
        if (args.length > 0 && COMMANDS.containsKey(args[0])) {
            if (System.getProperty("java.util.logging.manager") == null) {
                System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
            }
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            int status = COMMANDS.get(args[0]).get().run(rest, System.out, System.err);
            System.out.flush();
            System.exit(status);
        }
        Quarkus.run(args);
    }
}
