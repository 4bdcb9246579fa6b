package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.Task;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The parsed command line of {@code submit}: which images, what to ask about each, how to wait.
 *
 * <p>Each image gets a caption request when no question is given (or with {@code --caption}), and
 * one request per {@code --question}: vqa, or chat with a {@code --history}.
 *
 * @param bootstrap     Kafka bootstrap servers
 * @param images        image files given one by one
 * @param dirs          directories whose files (not sub-folders) are images to send
 * @param task          the task asked explicitly, if any
 * @param caption       also caption every image when questions are given
 * @param questions     the questions asked about every image
 * @param history       earlier chat turns, a JSON array of {@code {"question","answer"}}
 * @param options       generation options, a JSON object (wire names)
 * @param id            the request id (one request only); fresh UUIDs when absent
 * @param waitForResult whether to wait for the results and print them
 * @param timeout       how long to wait for the next result before giving up
 * @param format        how results are printed
 * @param maxInFlight   requests sent but not yet answered, at most
 */
public record SubmitArguments(String bootstrap, List<Path> images, List<Path> dirs, Optional<Task> task,
                              boolean caption, List<String> questions, Optional<String> history,
                              Optional<String> options, Optional<String> id, boolean waitForResult,
                              Duration timeout, Format format, int maxInFlight) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_IN_FLIGHT = 32;
    /** Above this, the service's own limit ({@code blip2.max-in-flight}) is the one that matters. */
    public static final int MAX_IN_FLIGHT_LIMIT = 4096;

    /** How results are printed. */
    public enum Format {
        /** Each result record's JSON value, one per line (what the service wrote). */
        JSON,
        /** One readable line per result: progress, image, task, question, answer. */
        TEXT
    }

    static final List<CliOption> OPTIONS = List.of(
            CliOption.valued("--bootstrap", "HOST:PORT", "Kafka bootstrap servers (required)"),
            CliOption.valued("--image", "FILE", "an image to send (JPEG, PNG, GIF, BMP, WebP); repeatable"),
            CliOption.valued("--dir", "DIR", "send every file directly in DIR (sorted by name); repeatable"),
            CliOption.valued("--question", "Q", "ask Q about every image (vqa); repeatable"),
            CliOption.flag("--caption", "with --question: also caption every image"),
            CliOption.valued("--task", "caption|vqa|chat",
                    "default: chat with --history, vqa with --question, else caption"),
            CliOption.valued("--history", "JSON", "earlier turns, [{\"question\": …, \"answer\": …}, …] (chat)"),
            CliOption.valued("--options", "JSON", "generation options, wire names ({\"num_beams\": 3}); checked before sending"),
            CliOption.valued("--id", "ID", "the request id, for a single request (default: a fresh UUID each)"),
            CliOption.flag("--wait", "wait for the results and print them as they arrive"),
            CliOption.valued("--format", "json|text",
                    "with --wait: each result's JSON (default), or one readable line each with progress"),
            CliOption.valued("--timeout-s", "N", "give up when no result has arrived for N seconds (default 60)"),
            CliOption.valued("--max-in-flight", "N", "requests sent and not yet answered, at most (default 32)"));

    public SubmitArguments {
        images = List.copyOf(images);
        dirs = List.copyOf(dirs);
        questions = List.copyOf(questions);
        if (bootstrap == null || bootstrap.isBlank()) {
            throw invalid("--bootstrap is required");
        }
        if (images.isEmpty() && dirs.isEmpty()) {
            throw invalid("--image or --dir is required");
        }
        if (task.isPresent() && task.get() != Task.CAPTION && questions.isEmpty()) {
            throw invalid("--question is required for task " + task.get().wire());
        }
        if (task.isPresent() && task.get() == Task.CAPTION && !questions.isEmpty()) {
            throw invalid("task caption takes no --question (use --caption to caption and ask)");
        }
        if (history.isPresent() && task.isPresent() && task.get() != Task.CHAT) {
            throw invalid("--history is only for task chat");
        }
        if (history.isPresent() && questions.isEmpty()) {
            throw invalid("--history needs a --question (the next chat turn)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw invalid("--timeout-s " + timeout.toSeconds() + " is below the minimum 1", 1);
        }
        if (maxInFlight < 1) {
            throw invalid("--max-in-flight " + maxInFlight + " is below the minimum 1", 1);
        }
        if (maxInFlight > MAX_IN_FLIGHT_LIMIT) {
            throw invalid("--max-in-flight " + maxInFlight + " is above the maximum " + MAX_IN_FLIGHT_LIMIT,
                    MAX_IN_FLIGHT_LIMIT);
        }
    }

    /** Parses {@code args} (the words after {@code submit}). */
    public static SubmitArguments parse(List<String> args) {
        CliArgs a = CliArgs.parse(args, OPTIONS);
        List<Path> images = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        List<String> questions = new ArrayList<>();
        for (CliArgs.Opt o : a.all()) {
            switch (o.name()) {
                case "--image" -> images.add(Path.of(o.value()));
                case "--dir" -> dirs.add(Path.of(o.value()));
                case "--question" -> questions.add(o.value());
                default -> {
                    // single-valued options are read below
                }
            }
        }
        Optional<Task> task = Optional.ofNullable(a.get("--task", null)).map(SubmitArguments::parseTask);
        long timeoutS = a.getLong("--timeout-s") == null ? DEFAULT_TIMEOUT.toSeconds() : a.getLong("--timeout-s");
        return new SubmitArguments(a.get("--bootstrap", null), images, dirs, task, a.has("--caption"), questions,
                Optional.ofNullable(a.get("--history", null)), Optional.ofNullable(a.get("--options", null)),
                Optional.ofNullable(a.get("--id", null)), a.has("--wait"), Duration.ofSeconds(timeoutS),
                parseFormat(a.get("--format", "json")), a.getInt("--max-in-flight", DEFAULT_MAX_IN_FLIGHT));
    }

    /** The task of the question requests: explicit, or chat with a history, else vqa. */
    public Task questionTask() {
        return task.orElse(history.isPresent() ? Task.CHAT : Task.VQA);
    }

    /** Whether every image gets a caption request. */
    public boolean captions() {
        return caption || questions.isEmpty();
    }

    /**
     * Every image to send: the {@code --image}s, then each {@code --dir}'s files, once each, in
     * that order. Lists the directories; checks that every file exists.
     *
     * @throws Blip2Exception INVALID_REQUEST: "no such file: X", "no such directory: X", …
     */
    public List<Path> imageFiles() {
        Set<Path> files = new LinkedHashSet<>();
        for (Path image : images) {
            files.add(InputFiles.requireFile(image));
        }
        for (Path dir : dirs) {
            files.addAll(InputFiles.filesIn(dir));
        }
        return List.copyOf(files);
    }

    /**
     * The requests for {@code files}, image by image: its caption, then its questions.
     *
     * @throws Blip2Exception INVALID_REQUEST when {@code --id} is given for more than one request
     */
    public List<SubmitRequest> requests(List<Path> files) {
        List<SubmitRequest> out = new ArrayList<>();
        for (Path file : files) {
            if (captions()) {
                out.add(new SubmitRequest(file, Task.CAPTION, Optional.empty()));
            }
            for (String q : questions) {
                out.add(new SubmitRequest(file, questionTask(), Optional.of(q)));
            }
        }
        if (id.isPresent() && out.size() > 1) {
            throw invalid("--id names one request, but this submit makes " + out.size()
                    + " (leave it out: each gets a fresh id)");
        }
        return out;
    }

    private static Task parseTask(String value) {
        for (Task t : Task.values()) {
            if (t.wire().equals(value)) {
                return t;
            }
        }
        throw invalid("--task must be caption, vqa or chat, got '" + value + "'");
    }

    private static Format parseFormat(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "json" -> Format.JSON;
            case "text" -> Format.TEXT;
            default -> throw invalid("--format must be json or text, got '" + value + "'");
        };
    }

    private static Blip2Exception invalid(String message) {
        return new Blip2Exception(ErrorCode.INVALID_REQUEST, message);
    }

    private static Blip2Exception invalid(String message, long limit) {
        return new Blip2Exception(ErrorCode.INVALID_REQUEST, message, limit, null);
    }
}
