package io.blip2stream.pipeline;

import io.blip2stream.model.BundleManifest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a {@link Prompt} into the raw text given to the tokenizer, with the bundle's templates:
 * caption "", VQA "Question: {question} Answer:", chat = earlier turns as
 * "Question: {question} Answer: {answer}" and then the VQA form, joined by the separator.
 */
public final class PromptFormatter {
    private final String caption;
    private final String vqa;
    private final String chatTurn;
    private final String separator;

    public PromptFormatter(String caption, String vqa, String chatTurn, String separator) {
        this.caption = Objects.requireNonNull(caption, "caption template");
        this.vqa = Objects.requireNonNull(vqa, "vqa template");
        this.chatTurn = Objects.requireNonNull(chatTurn, "chat_turn template");
        this.separator = Objects.requireNonNull(separator, "chat_separator");
    }

    /** The manifest's templates, with BLIP-2's defaults for any that are missing. */
    public static PromptFormatter of(BundleManifest.Prompts p) {
        return new PromptFormatter(
                p == null || p.caption() == null ? "" : p.caption(),
                p == null || p.vqa() == null ? "Question: {question} Answer:" : p.vqa(),
                p == null || p.chatTurn() == null ? "Question: {question} Answer: {answer}" : p.chatTurn(),
                p == null || p.chatSeparator() == null ? " " : p.chatSeparator());
    }

    public String format(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Caption c -> caption;
            case Prompt.Vqa v -> question(v.question());
            case Prompt.Raw r -> Objects.requireNonNull(r.text(), "raw prompt text");
            case Prompt.Chat c -> {
                List<String> parts = new ArrayList<>(c.history().size() + 1);
                for (Prompt.Turn t : c.history()) {
                    parts.add(fill(chatTurn, t.question(), t.answer()));
                }
                parts.add(question(c.question()));
                yield String.join(separator, parts);
            }
        };
    }

    private String question(String q) {
        return fill(vqa, Objects.requireNonNull(q, "question"), null);
    }

    /**
     * The template with its placeholders filled in one pass: text that a request sent is never
     * searched for placeholders again (a question full of "{answer}" does not multiply the answer).
     * A null {@code answer} leaves "{answer}" as it is.
     */
    static String fill(String template, String question, String answer) {
        StringBuilder out = new StringBuilder(template.length() + question.length() + (answer == null ? 0 : answer.length()));
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("{question}", i)) {
                out.append(question);
                i += "{question}".length();
            } else if (answer != null && template.startsWith("{answer}", i)) {
                out.append(answer);
                i += "{answer}".length();
            } else {
                out.append(template.charAt(i++));
            }
        }
        return out.toString();
    }
}
