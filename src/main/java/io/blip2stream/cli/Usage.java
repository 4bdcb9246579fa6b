package io.blip2stream.cli;

import java.util.List;

/** Renders a command's usage text from its synopsis, its description and its declared options. */
final class Usage {

    static final String EXIT_STATUSES = """
            exit status:
              0  done
              1  the work failed: a request got an error result, Kafka refused a call, output not written
              2  wrong command line or input: unknown option, value out of range, no such file, bad bundle
              3  Kafka did not answer, or results did not arrive in time
            errors: one JSON line on stdout, {"error":{"code":…,"id":…,"message":…,"limit":…}}
            """;

    private Usage() {
    }

    /**
     * @param synopsis    one or more lines starting with {@code blip2 NAME}
     * @param description a paragraph on what the command does
     */
    static String render(String synopsis, String description, List<CliOption> options) {
        return "usage: " + synopsis.strip() + "\n\n" + description.strip() + "\n\noptions:\n"
                + CliOption.table(options) + "\n" + EXIT_STATUSES;
    }
}
