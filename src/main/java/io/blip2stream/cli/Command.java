package io.blip2stream.cli;

import java.io.PrintStream;
import java.util.List;

/** A command-line subcommand that runs without booting the service. */
public interface Command {

    /** The word that names it on the command line, e.g. {@code infer}. */
    String name();

    /** One line for the command list of {@code --help}. */
    String summary();

    /** The whole usage text: synopsis, what it does, every option, the exit statuses. */
    String usage();

    /**
     * @param args the arguments after the subcommand's name
     * @return the process exit status ({@link ExitStatus})
     */
    int run(List<String> args, PrintStream out, PrintStream err);
}
