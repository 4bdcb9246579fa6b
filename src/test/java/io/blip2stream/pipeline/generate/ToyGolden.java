package io.blip2stream.pipeline.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code golden/generation-toy.json} (written by src/test/python/golden_toy_lm.py). */
final class ToyGolden {
    static final String RESOURCE = "/golden/generation-toy.json";
    private static JsonNode root;

    private ToyGolden() {
    }

    static synchronized JsonNode root() {
        if (root == null) {
            try (InputStream in = ToyGolden.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(RESOURCE + " is missing");
                }
                root = new ObjectMapper().readTree(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static float[][] table(String name) {
        JsonNode t = root().get("tables").get(name);
        float[][] out = new float[t.size()][];
        for (int i = 0; i < t.size(); i++) {
            out[i] = floats(t.get(i));
        }
        return out;
    }

    static ToyLanguageModel model(List<int[]> prompts, ToyLanguageModel.Mode mode) {
        return new ToyLanguageModel(table("a"), table("b"), table("c"), prompts, mode);
    }

    static int vocab() {
        return root().get("vocab_size").asInt();
    }

    static int pad() {
        return root().get("pad_token_id").asInt();
    }

    static float[] floats(JsonNode arr) {
        float[] out = new float[arr.size()]; // exact: the JSON holds float32 values as doubles
        for (int i = 0; i < arr.size(); i++) {
            out[i] = arr.get(i).isNull() ? Float.NEGATIVE_INFINITY : (float) arr.get(i).asDouble();
        }
        return out;
    }

    static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < arr.size(); i++) {
            out[i] = arr.get(i).asInt();
        }
        return out;
    }

    static List<int[]> intRows(JsonNode arr) {
        List<int[]> out = new ArrayList<>();
        arr.forEach(n -> out.add(ints(n)));
        return out;
    }

    static List<JsonNode> cases(String key) {
        List<JsonNode> out = new ArrayList<>();
        root().get(key).forEach(out::add);
        return out;
    }
}
