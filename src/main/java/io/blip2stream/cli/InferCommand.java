package io.blip2stream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.model.BundleException;
import io.blip2stream.pipeline.Blip2Engine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code infer --bundle DIR --image FILE [--prompt TEXT] [--image FILE [--prompt TEXT]]… [--question Q]
 * [generation options]}: all images form one batch; prints
 * {@code {"model":…,"results":[{"image","prompt","sequences":[{"token_ids","text","finish_reason"}]}]}}.
 * A failed image gets an {@code "error"} object in its result, and the whole output a top-level
 * {@code "error"} (the first failure) and exit status 1; bad arguments or a bad bundle: exit 2.
 */
public final class InferCommand implements Command {
    static final Set<String> FLAGS;
    static final Set<String> VALUED;

    static {
        Set<String> f = new HashSet<>(Set.of("--do-sample", "--early-stopping"));
        f.addAll(EngineOptions.FLAGS);
        FLAGS = Set.copyOf(f);
        Set<String> v = new HashSet<>(Set.of("--bundle", "--image", "--prompt", "--question", "--num-beams",
                "--max-new-tokens", "--min-new-tokens", "--seed", "--temperature", "--top-k", "--top-p",
                "--num-return-sequences", "--length-penalty", "--repetition-penalty", "--no-repeat-ngram-size"));
        v.addAll(EngineOptions.VALUED);
        VALUED = Set.copyOf(v);
    }

    /** One image of the batch and its prompt (null = the --question or captioning). */
    record Item(String image, String prompt) {
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        CliArgs a;
        List<Item> items;
        try {
            a = CliArgs.parse(args, FLAGS, VALUED);
            a.require("--bundle");
            items = items(a);
        } catch (Blip2Exception e) {
            out.println(JsonOut.write(JsonOut.wrapError(JsonOut.error(e))));
            err.println(usage());
            return 2;
        }
        try (Blip2Engine engine = Blip2Engine.open(Path.of(a.require("--bundle")), EngineOptions.config(a))) {
            GenerationOptions options = options(a, engine.defaultOptions());
            String question = a.get("--question", null);
            List<InferenceRequest> batch = new ArrayList<>();
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                Prompt p = it.prompt() != null ? new Prompt.Raw(it.prompt())
                        : question != null ? new Prompt.Vqa(question) : new Prompt.Caption();
                prompts.add(engine.formatter().format(p));
                batch.add(new InferenceRequest(String.valueOf(i), readImage(it.image()), p, options));
            }
            List<InferenceOutcome> outcomes = engine.infer(batch);
            ObjectNode root = JsonOut.MAPPER.createObjectNode();
            root.put("model", engine.modelName());
            ArrayNode results = root.putArray("results");
            ObjectNode firstError = null;
            for (int i = 0; i < outcomes.size(); i++) {
                ObjectNode r = results.addObject();
                r.put("image", items.get(i).image());
                r.put("prompt", prompts.get(i));
                switch (outcomes.get(i)) {
                    case InferenceOutcome.Success s -> {
                        ArrayNode seqs = r.putArray("sequences");
                        for (InferenceOutcome.Sequence q : s.sequences()) {
                            ObjectNode sn = seqs.addObject();
                            ArrayNode ids = sn.putArray("token_ids");
                            for (int id : q.tokenIds()) {
                                ids.add(id);
                            }
                            sn.put("text", q.text());
                            sn.put("finish_reason", q.finishReason().wire());
                        }
                        ObjectNode t = r.putObject("timings_ms");
                        t.put("preprocess", s.timings().preprocessMs());
                        t.put("vision", s.timings().visionMs());
                        t.put("generate", s.timings().generateMs());
                        t.put("decode", s.timings().decodeMs());
                    }
                    case InferenceOutcome.Failure f -> {
                        ObjectNode e = JsonOut.error(f.error());
                        r.set("error", e);
                        if (firstError == null) {
                            firstError = e;
                        }
                    }
                }
            }
            if (firstError != null) {
                root.set("error", firstError.deepCopy());
            }
            out.println(JsonOut.write(root));
            return firstError == null ? 0 : 1;
        } catch (Blip2Exception e) {
            out.println(JsonOut.write(JsonOut.wrapError(JsonOut.error(e))));
            return 2;
        } catch (BundleException e) {
            out.println(JsonOut.write(JsonOut.wrapError(JsonOut.error("INVALID_BUNDLE", e.getMessage()))));
            return 2;
        } catch (IllegalArgumentException e) {
            out.println(JsonOut.write(JsonOut.wrapError(JsonOut.error(
                    new Blip2Exception(ErrorCode.INVALID_REQUEST, e.getMessage(), e)))));
            return 2;
        }
    }

    /** Images in order; a --prompt belongs to the --image before it. */
    static List<Item> items(CliArgs a) {
        List<Item> items = new ArrayList<>();
        for (CliArgs.Opt o : a.all()) {
            if (o.name().equals("--image")) {
                items.add(new Item(o.value(), null));
            } else if (o.name().equals("--prompt")) {
                if (items.isEmpty()) {
                    throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "--prompt must follow an --image");
                }
                Item last = items.getLast();
                if (last.prompt() != null) {
                    throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "image " + last.image() + " has two --prompt");
                }
                items.set(items.size() - 1, new Item(last.image(), o.value()));
            }
        }
        if (items.isEmpty()) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "at least one --image is required");
        }
        return items;
    }

    /** The bundle's defaults, overridden by the options given (the same merge as a request's {@code options}). */
    static GenerationOptions options(CliArgs a, GenerationOptions defaults) {
        return GenerationOptions.merge(defaults, overrides(a), GenerationOptions.MAX_NEW_TOKENS_LIMIT);
    }

    /** The generation flags given; a flag left out stays unset. */
    static GenerationOverrides overrides(CliArgs a) {
        return GenerationOverrides.builder()
                .maxNewTokens(a.getInt("--max-new-tokens", null))
                .minNewTokens(a.getInt("--min-new-tokens", null))
                .numBeams(a.getInt("--num-beams", null))
                .lengthPenalty(a.getDouble("--length-penalty", null))
                .earlyStopping(a.has("--early-stopping") ? Boolean.TRUE : null)
                .doSample(a.has("--do-sample") ? Boolean.TRUE : null)
                .temperature(a.getDouble("--temperature", null))
                .topK(a.getInt("--top-k", null))
                .topP(a.getDouble("--top-p", null))
                .repetitionPenalty(a.getDouble("--repetition-penalty", null))
                .noRepeatNgramSize(a.getInt("--no-repeat-ngram-size", null))
                .numReturnSequences(a.getInt("--num-return-sequences", null))
                .seed(a.getLong("--seed"))
                .build();
    }

    private static byte[] readImage(String file) {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "cannot read image file " + file + ": " + e.getMessage(), e);
        }
    }

    static String usage() {
        return """
                usage: infer --bundle DIR --image FILE [--prompt TEXT] [--image FILE [--prompt TEXT]]... [--question Q]
                             [--num-beams N] [--max-new-tokens N] [--min-new-tokens N] [--length-penalty X] [--early-stopping]
                             [--num-return-sequences N] [--repetition-penalty X] [--no-repeat-ngram-size N]
                             [--do-sample --seed S --temperature T --top-k K --top-p P] [--threads N] [--device auto|cpu|cuda] [--allow-spinning]""";
    }
}
