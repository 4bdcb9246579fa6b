package io.blip2stream.testing;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The shapes model's held-out pictures ({@code src/test/resources/images/shapes}, never trained
 * on) and their expected answers ({@code golden/shapes-heldout.json}), both written by
 * {@code src/test/python/train_shapes_model.py}; and how an answer is scored.
 */
public final class HeldOutShapes {

    /** The trained shapes bundle (ViT + Q-Former + OPT, trained on the synthetic shapes task). */
    public static final String BUNDLE = "shapes-opt";
    public static final Path IMAGES = Fixtures.RESOURCES.resolve("images").resolve("shapes");
    public static final Path ANSWERS = Fixtures.RESOURCES.resolve("golden").resolve("shapes-heldout.json");

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private HeldOutShapes() {
    }

    /** The answers file: {@code images}, one entry per held-out picture. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Answers(List<Picture> images) {
    }

    /** One held-out picture: what it shows, its caption and its questions with their answers. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Picture(String file, String shape, String colour, int count, String background, String caption,
                          List<Question> questions) {

        public byte[] bytes() {
            try {
                return Files.readAllBytes(IMAGES.resolve(file));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The question of one kind ({@code colour}, {@code count}, {@code shape}, {@code background}). */
        public Question question(String kind) {
            return questions.stream().filter(q -> q.kind().equals(kind)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(file + " has no " + kind + " question"));
        }

        /** The caption names this picture's colour and its shape (singular or plural) before "on". */
        public boolean captionNamesColourAndShape(String generated) {
            String subject = generated.strip().toLowerCase(Locale.ROOT).split(" on ", 2)[0];
            List<String> words = Arrays.asList(subject.split("\\s+"));
            return words.contains(colour) && (words.contains(shape) || words.contains(shape + "s"));
        }
    }

    /** A question of one kind and its one-word answer. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Question(String kind, String question, String answer) {

        public boolean isAnsweredBy(String generated) {
            return generated.strip().equalsIgnoreCase(answer);
        }
    }

    public static List<Picture> pictures() {
        try {
            return JSON.readValue(ANSWERS.toFile(), Answers.class).images();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The share of {@code items} that pass {@code right}. */
    public static <T> double accuracy(List<T> items, Predicate<T> right) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException("no items to score");
        }
        return (double) items.stream().filter(right).count() / items.size();
    }
}
