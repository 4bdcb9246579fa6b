package io.blip2stream.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The readable lines of {@code submit --format text}: one per result, with the progress so far
 * (done/total, rate), the image, the task and question, and the answer or the error. Every text
 * taken from a file name or a result is {@link Printable made safe} and capped.
 */
final class ResultLines {
    static final int MAX_NAME = 32;
    static final int MAX_QUESTION = 48;
    static final int MAX_ANSWER = 160;

    private final int total;
    private final int nameWidth;
    private final int questionWidth;
    private final int countWidth;

    ResultLines(List<SubmitRequest> requests) {
        this.total = requests.size();
        this.nameWidth = requests.stream().mapToInt(r -> name(r.image()).length()).max().orElse(0);
        this.questionWidth = requests.stream()
                .mapToInt(r -> r.question().map(q -> quoted(q, MAX_QUESTION).length()).orElse(0)).max().orElse(0);
        this.countWidth = String.valueOf(total).length();
    }

    /** {@code [  3/84  6.1/s] photo.jpg  vqa      "what colour is it?"  -> "red"  (0.31 s)} */
    String result(int done, double elapsedS, SubmitRequest request, JsonNode result) {
        String outcome;
        JsonNode error = result.path("error");
        if (error.isObject()) {
            outcome = "ERROR " + error(error);
        } else {
            outcome = quoted(result.path("text").asText(""), MAX_ANSWER);
            double totalMs = result.path("timing_ms").path("total").asDouble(-1);
            if (totalMs >= 0) {
                outcome += String.format(Locale.ROOT, "  (%.2f s)", totalMs / 1000);
            }
        }
        return prefix(done, elapsedS, request) + "-> " + outcome;
    }

    /** A request that failed here, before the service saw it (unreadable file, too large, not sent). */
    String localFailure(int done, double elapsedS, SubmitRequest request, CliError error) {
        return prefix(done, elapsedS, request) + "-> NOT SENT " + error.code() + " (" + error.id() + "): "
                + Printable.line(error.message(), MAX_ANSWER);
    }

    /** A request whose result never came. */
    String missing(SubmitRequest request, String id) {
        return "  no result: " + pad(name(request.image()), nameWidth) + "  " + pad(request.task().wire(), 7)
                + request.question().map(q -> " " + quoted(q, MAX_QUESTION)).orElse("") + "  (id " + id + ")";
    }

    /** The closing line: how many, how fast: {@code 84 of 84 results in 12.3 s (6.8/s), 2 of them errors}. */
    String summary(int done, int errors, double elapsedS) {
        return String.format(Locale.ROOT, "%d of %d results in %.1f s (%.1f/s), %d of them errors",
                done, total, elapsedS, rate(done, elapsedS), errors);
    }

    private String prefix(int done, double elapsedS, SubmitRequest request) {
        String question = request.question().map(q -> quoted(q, MAX_QUESTION)).orElse("");
        return String.format(Locale.ROOT, "[%" + countWidth + "d/%d %5.1f/s] ", done, total, rate(done, elapsedS))
                + pad(name(request.image()), nameWidth) + "  " + pad(request.task().wire(), 7) + " "
                + (questionWidth > 0 ? pad(question, questionWidth) + "  " : "");
    }

    private static String error(JsonNode error) {
        String id = error.path("message_id").asText(error.path("id").asText(""));
        return Printable.line(error.path("code").asText("?"), 40) + (id.isEmpty() ? "" : " (" + Printable.line(id, 20) + ")")
                + ": " + Printable.line(error.path("message").asText(""), MAX_ANSWER);
    }

    static double rate(int done, double elapsedS) {
        return elapsedS > 0 ? done / elapsedS : 0;
    }

    static String name(Path image) {
        Path file = image.getFileName();
        return Printable.line(file == null ? image.toString() : file.toString(), MAX_NAME);
    }

    private static String quoted(String text, int max) {
        return "\"" + Printable.line(text, max) + "\"";
    }

    private static String pad(String s, int width) {
        int n = s.codePointCount(0, s.length());
        return n >= width ? s : s + " ".repeat(width - n);
    }
}
