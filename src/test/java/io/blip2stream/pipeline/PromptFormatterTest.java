package io.blip2stream.pipeline;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PromptFormatterTest {
    private final PromptFormatter formatter = PromptFormatter.of(null);

    @Test
    void captionIsTheEmptyPrompt() {
        assertThat(formatter.format(new Prompt.Caption())).isEmpty();
    }

    @Test
    void vqaUsesTheQuestionTemplate() {
        assertThat(formatter.format(new Prompt.Vqa("what is in the picture?")))
                .isEqualTo("Question: what is in the picture? Answer:");
    }

    @Test
    void chatJoinsEarlierTurnsAndTheNewQuestionWithSpaces() {
        Prompt chat = new Prompt.Chat(List.of(new Prompt.Turn("q1", "a1"), new Prompt.Turn("q2", "a2")), "q3");
        assertThat(formatter.format(chat))
                .isEqualTo("Question: q1 Answer: a1 Question: q2 Answer: a2 Question: q3 Answer:");
    }

    @Test
    void rawIsPassedUnchanged() {
        assertThat(formatter.format(new Prompt.Raw("  a photo of"))).isEqualTo("  a photo of");
    }

    @Test
    void customTemplatesAreUsed() {
        PromptFormatter f = new PromptFormatter("a photo of", "Q: {question} A:", "Q: {question} A: {answer}", "\n");
        assertThat(f.format(new Prompt.Caption())).isEqualTo("a photo of");
        assertThat(f.format(new Prompt.Chat(List.of(new Prompt.Turn("x", "y")), "z"))).isEqualTo("Q: x A: y\nQ: z A:");
    }

    @Test
    void placeholdersInWhatARequestSentAreNotFilledAgain() {
        PromptFormatter f = new PromptFormatter("", "Question: {question} Answer:", "Question: {question} Answer: {answer}", " ");
        String formatted = f.format(new Prompt.Chat(List.of(new Prompt.Turn("{answer}".repeat(100), "x".repeat(1000))), "q"));
        assertThat(formatted).startsWith("Question: {answer}{answer}").hasSize(
                "Question: ".length() + 800 + " Answer: ".length() + 1000 + 1 + "Question: q Answer:".length());
    }
}
