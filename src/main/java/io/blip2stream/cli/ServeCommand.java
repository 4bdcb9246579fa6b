package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code serve}: the service itself (what no command at all starts). Its settings come from
 * {@code application.properties} and environment variables, not from options; this class only
 * gives it a place in the command list and a usage text. {@link Cli} starts Quarkus.
 */
final class ServeCommand implements Command {

    @Override
    public String name() {
        return Cli.SERVE;
    }

    @Override
    public String summary() {
        return "run the service: read requests from Kafka, write captions and answers (the default)";
    }

    @Override
    public String usage() {
        return """
                usage: blip2 [serve]

                Runs the service: consumes images and questions from Kafka, answers them with the
                model bundle and writes the results back to Kafka. Health, metrics and the live page
                on HTTP. Takes no options; settings come from environment variables (or -D system
                properties with the names of src/main/resources/application.properties):

                  KAFKA_BOOTSTRAP_SERVERS   Kafka to read from and write to (default localhost:9092)
                  BLIP2_BUNDLE              model bundle directory
                  HTTP_PORT                 health (/q/health), metrics (/q/metrics) (default 8080)
                  BLIP2_DEVICE              auto, cpu or cuda (default auto)
                  BLIP2_DECODE_LOOP         auto, host or device (default auto)
                  BLIP2_MAX_BATCH_SIZE      images per model run (default 8)
                  BLIP2_TOPIC_IMAGES, BLIP2_TOPIC_QUESTIONS, BLIP2_TOPIC_CAPTIONS,
                  BLIP2_TOPIC_ANSWERS, BLIP2_TOPIC_DLQ      topic names

                Every setting, its default and its limits: src/docs/service.md.
                Stop it with Ctrl-C (SIGINT) or SIGTERM: requests in progress finish first.
                """;
    }

    /** The service takes no options: anything after {@code serve} is a mistake worth saying. */
    boolean accepts(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty()) {
            return true;
        }
        CliError.of(new Blip2Exception(ErrorCode.INVALID_REQUEST, "serve takes no options, got '"
                + args.getFirst() + "'; settings are environment variables"), ExitStatus.USAGE)
                .printWithHint(name(), out, err);
        return false;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        throw new UnsupportedOperationException("serve is started by Cli.dispatch, not run as a command");
    }
}
