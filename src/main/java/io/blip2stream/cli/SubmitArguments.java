package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.Task;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The parsed command line of {@code submit}.
 *
 * <pre>
 * submit --bootstrap HOST:PORT --image FILE [--question Q] [--task caption|vqa|chat]
 *        [--history JSON] [--options JSON] [--id ID] [--wait] [--timeout-s N]
 * </pre>
 *
 * @param bootstrap Kafka bootstrap servers
 * @param image     the image file to send
 * @param task      what to ask; defaults to {@code chat} with a history, {@code vqa} with a
 *                  question, else {@code caption}
 * @param question  the question (vqa and chat)
 * @param history   earlier chat turns, a JSON array of {@code {"question","answer"}}
 * @param options   generation options, a JSON object (wire names)
 * @param id        the request id; a fresh UUID when absent
 * @param waitForResult whether to wait for the result and print it
 * @param timeout   how long to wait for the result
 */
public record SubmitArguments(String bootstrap, Path image, Task task, Optional<String> question,
                              Optional<String> history, Optional<String> options, Optional<String> id,
                              boolean waitForResult, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final String USAGE = """
            usage: submit --bootstrap HOST:PORT --image FILE [--question Q] [--task caption|vqa|chat]
                          [--history JSON] [--options JSON] [--id ID] [--wait] [--timeout-s N]""";

    public SubmitArguments {
        if (bootstrap == null || bootstrap.isBlank()) {
            throw invalid("--bootstrap is required");
        }
        if (image == null) {
            throw invalid("--image is required");
        }
        if (task != Task.CAPTION && question.isEmpty()) {
            throw invalid("--question is required for task " + task.wire());
        }
        if (history.isPresent() && task != Task.CHAT) {
            throw invalid("--history is only for task chat");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw invalid("--timeout-s must be > 0");
        }
    }

    /** Parses {@code args} (the words after {@code submit}). */
    public static SubmitArguments parse(List<String> args) {
        String bootstrap = null;
        Path image = null;
        String task = null;
        String question = null;
        String history = null;
        String options = null;
        String id = null;
        boolean waitForResult = false;
        Duration timeout = DEFAULT_TIMEOUT;
        for (int i = 0; i < args.size(); i++) {
            String flag = args.get(i);
            switch (flag) {
                case "--wait" -> waitForResult = true;
                case "--bootstrap" -> bootstrap = value(args, ++i, flag);
                case "--image" -> image = Path.of(value(args, ++i, flag));
                case "--task" -> task = value(args, ++i, flag);
                case "--question" -> question = value(args, ++i, flag);
                case "--history" -> history = value(args, ++i, flag);
                case "--options" -> options = value(args, ++i, flag);
                case "--id" -> id = value(args, ++i, flag);
                case "--timeout-s" -> timeout = Duration.ofSeconds(parseSeconds(value(args, ++i, flag)));
                default -> throw invalid("unknown argument '" + flag + "'");
            }
        }
        Task resolved = task != null ? parseTask(task)
                : history != null ? Task.CHAT
                : question != null ? Task.VQA
                : Task.CAPTION;
        return new SubmitArguments(bootstrap, image, resolved, Optional.ofNullable(question),
                Optional.ofNullable(history), Optional.ofNullable(options), Optional.ofNullable(id),
                waitForResult, timeout);
    }

    private static Task parseTask(String value) {
        for (Task t : Task.values()) {
            if (t.wire().equals(value)) {
                return t;
            }
        }
        throw invalid("--task must be caption, vqa or chat, got '" + value + "'");
    }

    private static String value(List<String> args, int index, String flag) {
        if (index >= args.size()) {
            throw invalid(flag + " needs a value");
        }
        return args.get(index);
    }

    private static long parseSeconds(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw invalid("--timeout-s must be a whole number of seconds, got '" + text + "'");
        }
    }

    private static Blip2Exception invalid(String message) {
        return new Blip2Exception(ErrorCode.INVALID_REQUEST, message);
    }
}
