package io.blip2stream.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.util.List;

/**
 * Entry point of the packaged application. {@link Cli} reads the first word: a command
 * ({@code infer}, {@code submit}, …) or help runs without starting Quarkus or Kafka; no word or
 * {@code serve} starts the service.
 */
@QuarkusMain
public final class Main {

    private Main() {
    }

    public static void main(String... args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");   // DJL must never call out
        }
        List<String> words = List.of(args);
        if (!words.isEmpty() && !words.getFirst().equals(Cli.SERVE)
                && System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
        switch (Cli.dispatch(words, System.out, System.err)) {
            case Cli.Launch.Serve serve -> Quarkus.run();
            case Cli.Launch.Exit exit -> {
                System.out.flush();
                System.exit(exit.status());
            }
        }
    }
}
