package io.blip2stream.pipeline;

import java.util.List;

/** What to ask about an image; formatted with the bundle's prompt templates. */
public sealed interface Prompt {

    /** Captioning: the empty prompt. */
    record Caption() implements Prompt {
    }

    /** Visual question answering: "Question: {q} Answer:". */
    record Vqa(String question) implements Prompt {
    }

    /** Chat: earlier turns as "Question: {q} Answer: {a}", joined by spaces, then the new question. */
    record Chat(List<Turn> history, String question) implements Prompt {
        public Chat {
            history = List.copyOf(history);
        }
    }

    /** A raw prompt, passed exactly as given to HF's processor. */
    record Raw(String text) implements Prompt {
    }

    record Turn(String question, String answer) {
    }
}
