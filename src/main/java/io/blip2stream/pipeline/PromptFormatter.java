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
                    parts.add(chatTurn.replace("{question}", t.question()).replace("{answer}", t.answer()));
                }
                parts.add(question(c.question()));
                yield String.join(separator, parts);
            }
        };
    }

    private String question(String q) {
        return vqa.replace("{question}", Objects.requireNonNull(q, "question"));
    }
}
