package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The first word of the command line: {@code serve} (or nothing) starts the service, a command
 * name runs that command, {@code --help}/{@code -h}/{@code help} print the command list, and
 * {@code CMD --help} that command's usage. Anything else is an error naming the commands; it
 * never starts the service.
 */
public final class Cli {

    /** The word that starts the service (also what no word at all does). */
    public static final String SERVE = "serve";

    /** The commands, in the order of the command list. */
    static final List<Supplier<Command>> COMMANDS = List.of(
            ServeCommand::new, InferCommand::new, SubmitCommand::new, BenchCommand::new, TopicsCommand::new);

    /** What the command line asks the process to do. */
    public sealed interface Launch {
        /** Start the service (Quarkus, Kafka). */
        record Serve() implements Launch {
        }

        /** A command ran (or help was printed): exit with this status. */
        record Exit(int status) implements Launch {
        }
    }

    private Cli() {
    }

    /** Decides, and runs a command when one is named; never starts the service itself. */
    public static Launch dispatch(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            return new Launch.Serve();
        }
        String first = args.getFirst();
        List<String> rest = args.subList(1, args.size());
        if (isHelp(first)) {
            if (rest.isEmpty()) {
                out.print(commandList());
                return new Launch.Exit(ExitStatus.OK);
            }
            Command c = byName().get(rest.getFirst());
            if (c == null) {
                return new Launch.Exit(unknownCommand(rest.getFirst(), out, err));
            }
            out.print(c.usage());
            return new Launch.Exit(ExitStatus.OK);
        }
        Command command = byName().get(first);
        if (command == null) {
            return new Launch.Exit(unknownCommand(first, out, err));
        }
        if (rest.stream().anyMatch(Cli::isHelp)) {
            out.print(command.usage());
            return new Launch.Exit(ExitStatus.OK);
        }
        if (command instanceof ServeCommand serve) {
            return serve.accepts(rest, out, err) ? new Launch.Serve() : new Launch.Exit(ExitStatus.USAGE);
        }
        return new Launch.Exit(command.run(rest, out, err));
    }

    static Map<String, Command> byName() {
        return COMMANDS.stream().map(Supplier::get)
                .collect(Collectors.toMap(Command::name, c -> c, (a, b) -> a, java.util.LinkedHashMap::new));
    }

    static String commandList() {
        StringBuilder sb = new StringBuilder("""
                blip2-stream: BLIP-2 image captioning and visual question answering over Kafka.

                usage: blip2 [COMMAND] [OPTIONS]

                commands:
                """);
        for (Command c : byName().values()) {
            sb.append(String.format("  %-8s %s%n", c.name(), c.summary()));
        }
        sb.append("""

                With no command the service starts (as with serve).
                blip2 COMMAND --help   every option of one command
                """);
        return sb.toString();
    }

    private static boolean isHelp(String word) {
        return word.equals("--help") || word.equals("-h") || word.equals("help");
    }

    private static int unknownCommand(String word, PrintStream out, PrintStream err) {
        String names = String.join(", ", byName().keySet());
        String shown = word.length() > 40 ? word.substring(0, 40) + "…" : word;
        err.println("blip2: unknown command '" + shown + "'; the commands are " + names + " (blip2 --help)");
        return CliError.of(new Blip2Exception(ErrorCode.INVALID_REQUEST,
                "unknown command '" + shown + "'; the commands are " + names), ExitStatus.USAGE).print(out);
    }
}
