package io.blip2stream.cli;

import java.io.PrintStream;
import java.util.List;

/** A command-line subcommand that runs without booting the service. */
public interface Command {

    /**
     * @param args the arguments after the subcommand's name
     * @return the process exit status (0 = success)
     */
    int run(List<String> args, PrintStream out, PrintStream err);
}
