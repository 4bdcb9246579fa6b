package io.blip2stream.testing;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.onnx.DecodeLoop;
import io.blip2stream.onnx.OrtConfig;
import io.blip2stream.pipeline.Blip2Engine;
import io.blip2stream.pipeline.EngineConfig;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed test fixtures: tiny bundles, test images and HF goldens
 * (src/test/resources/{bundles,images,golden}), and one shared engine per bundle.
 */
public final class Fixtures {
    public static final Path RESOURCES = Path.of("src/test/resources");
    public static final List<String> BUNDLES = List.of("tiny-opt", "tiny-opt-tied", "tiny-t5");
    /**
     * The fp16 bundles, each with the fp32 bundle exported from the same checkpoint: they have no
     * goldens of their own and run the fp32 bundle's cases.
     */
    public static final Map<String, String> FP16_BUNDLES = new LinkedHashMap<>(Map.of(
            "tiny-opt-fp16", "tiny-opt",
            "tiny-t5-fp16", "tiny-t5"));

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final Map<String, Blip2Engine> ENGINES = new ConcurrentHashMap<>();

    private Fixtures() {
    }

    public static Path bundle(String name) {
        return RESOURCES.resolve("bundles").resolve(name);
    }

    public static Path image(String file) {
        return RESOURCES.resolve("images").resolve(file);
    }

    public static byte[] imageBytes(String file) {
        try {
            return Files.readAllBytes(image(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bundles that have both their directory and a golden file in this checkout. */
    public static List<String> availableBundles() {
        return BUNDLES.stream()
                .filter(b -> Files.isDirectory(bundle(b)) && Files.isRegularFile(goldenPath(b)))
                .toList();
    }

    /**
     * The bundles whose decoding paths are compared: {@link #availableBundles()}, and every fp16
     * bundle whose fp32 counterpart has its goldens (a missing fp16 directory then fails).
     */
    public static List<String> decodingBundles() {
        List<String> out = new ArrayList<>(availableBundles());
        FP16_BUNDLES.forEach((fp16, fp32) -> {
            if (Files.isRegularFile(goldenPath(fp32))) {
                out.add(fp16);
            }
        });
        return out;
    }

    public static boolean isFp16(String bundle) {
        return FP16_BUNDLES.containsKey(bundle);
    }

    /** The bundle whose golden file holds {@code bundle}'s cases: itself, or an fp16 bundle's fp32 one. */
    public static String goldenBundle(String bundle) {
        return FP16_BUNDLES.getOrDefault(bundle, bundle);
    }

    public static Path goldenPath(String bundle) {
        return RESOURCES.resolve("golden").resolve(bundle + ".json");
    }

    public static Golden golden(String bundle) {
        try {
            return JSON.readValue(goldenPath(bundle).toFile(), Golden.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One engine per bundle for the whole test run (2 intra-op threads, vision cache on). */
    public static Blip2Engine engine(String bundle) {
        return ENGINES.computeIfAbsent(bundle, b -> Blip2Engine.open(bundle(b),
                EngineConfig.defaults().withOrt(OrtConfig.defaults().withIntraOpThreads(2))));
    }

    /** The same engine with the K/V cache kept through IoBinding ({@code blip2.decode-loop=device}), on CPU. */
    public static Blip2Engine deviceLoopEngine(String bundle) {
        return ENGINES.computeIfAbsent("device-loop:" + bundle, b -> Blip2Engine.open(bundle(bundle),
                EngineConfig.defaults().withOrt(OrtConfig.defaults().withIntraOpThreads(2)
                        .withDecodeLoop(DecodeLoop.DEVICE))));
    }

    /** A golden file: {"bundle", "cases": [...]}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Golden(String bundle, List<Case> cases) {
    }

    /**
     * One HF generate call; {@code options} are its generate kwargs (absent = HF's default).
     * {@code sequences} holds, image by image, each returned sequence's new
     * token ids (eos included when it stopped there).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Case(String name, List<String> images, List<String> prompts, GenerationOverrides options,
                       @JsonProperty("input_ids") List<List<Long>> inputIds,
                       @JsonProperty("attention_mask") List<List<Long>> attentionMask,
                       List<List<Integer>> sequences,
                       @JsonProperty("finish_reasons") List<String> finishReasons,
                       List<String> texts,
                       List<Double> scores) {

        @Override
        public String toString() {
            return name;
        }

        public int returnSequences() {
            return options.numReturnSequences() == null ? 1 : options.numReturnSequences();
        }

        /** The case as engine requests: raw prompts, the case's options. */
        public List<InferenceRequest> requests() {
            List<InferenceRequest> out = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                out.add(new InferenceRequest(name + "-" + i, imageBytes(images.get(i)), new Prompt.Raw(prompts.get(i)),
                        GenerationOptions.of(options)));
            }
            return out;
        }
    }
}
