package io.blip2stream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.GenerationOverrides;
import io.blip2stream.model.BundleException;
import io.blip2stream.pipeline.Blip2Engine;
import io.blip2stream.pipeline.EngineConfig;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.Prompt;
import io.blip2stream.pipeline.generate.GenerationOptions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
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
    static final List<CliOption> GENERATION_OPTIONS = List.of(
            CliOption.valued("--max-new-tokens", "N", "at most N new tokens (default: the bundle's)"),
            CliOption.valued("--min-new-tokens", "N", "at least N new tokens"),
            CliOption.valued("--num-beams", "N", "beam search with N beams (1 = greedy; 1 to 16)"),
            CliOption.valued("--length-penalty", "X", "beam search: exponent of the length in a beam's score"),
            CliOption.flag("--early-stopping", "beam search: stop as soon as N beams have finished"),
            CliOption.valued("--num-return-sequences", "N", "sequences per image (at most --num-beams)"),
            CliOption.valued("--repetition-penalty", "X", "above 1 discourages repeated tokens"),
            CliOption.valued("--no-repeat-ngram-size", "N", "never repeat an n-gram of this size"),
            CliOption.flag("--do-sample", "sample instead of choosing the most likely token"),
            CliOption.valued("--seed", "S", "sampling seed (reproducible)"),
            CliOption.valued("--temperature", "T", "sampling temperature (> 0)"),
            CliOption.valued("--top-k", "K", "sample among the K most likely tokens (0 = all)"),
            CliOption.valued("--top-p", "P", "sample among the most likely tokens of mass P, in (0, 1]"));
    static final List<CliOption> OPTIONS;
    static final Set<String> FLAGS;
    static final Set<String> VALUED;

    static {
        List<CliOption> o = new ArrayList<>(List.of(
                CliOption.valued("--bundle", "DIR", "the model bundle directory (required)"),
                CliOption.valued("--image", "FILE", "an image (JPEG, PNG, GIF, BMP, WebP); repeat for a batch"),
                CliOption.valued("--prompt", "TEXT", "the raw prompt of the --image before it"),
                CliOption.valued("--question", "Q", "ask Q about every image without a --prompt (else: caption)")));
        o.addAll(GENERATION_OPTIONS);
        o.addAll(EngineOptions.OPTIONS);
        OPTIONS = List.copyOf(o);
        FLAGS = CliOption.flags(OPTIONS);
        VALUED = CliOption.valued(OPTIONS);
    }

    /** One image of the batch and its prompt (null = the --question or captioning). */
    record Item(String image, String prompt) {
    }

    @Override
    public String name() {
        return "infer";
    }

    @Override
    public String summary() {
        return "caption or question images in this process, no Kafka; prints JSON";
    }

    @Override
    public String usage() {
        return Usage.render("""
                blip2 infer --bundle DIR --image FILE [--prompt TEXT] [--image FILE [--prompt TEXT]]...
                                   [--question Q] [generation options] [engine options]""", """
                Runs the model in this process on the images (one batch) and prints one JSON object:
                {"model":…,"results":[{"image","prompt","sequences":[{"token_ids","text","finish_reason"}],
                "timings_ms"}]}. An image that fails gets an "error" object in its result, and the
                output a top-level "error" (the first failure), exit status 1.""", OPTIONS);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        CliArgs a;
        List<Item> items;
        List<byte[]> images = new ArrayList<>();
        EngineConfig config;
        try {
            a = CliArgs.parse(args, OPTIONS);
            a.require("--bundle");
            items = items(a);
            config = EngineOptions.config(a);
            for (Item it : items) {
                images.add(InputFiles.read(Path.of(it.image())));
            }
        } catch (Blip2Exception e) {
            return CliError.of(e, ExitStatus.USAGE).printWithHint(name(), out, err);
        }
        try (Blip2Engine engine = Blip2Engine.open(Path.of(a.require("--bundle")), config)) {
            GenerationOptions options = options(a, engine.defaultOptions());
            String question = a.get("--question", null);
            List<InferenceRequest> batch = new ArrayList<>();
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                Prompt p = it.prompt() != null ? new Prompt.Raw(it.prompt())
                        : question != null ? new Prompt.Vqa(question) : new Prompt.Caption();
                prompts.add(engine.formatter().format(p));
                batch.add(new InferenceRequest(String.valueOf(i), images.get(i), p, options));
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
            return firstError == null ? ExitStatus.OK : ExitStatus.FAILED;
        } catch (Blip2Exception e) {
            // the options out of range against the bundle's defaults: nothing ran
            return CliError.of(e, ExitStatus.USAGE).printWithHint(name(), out, err);
        } catch (BundleException e) {
            return CliError.of(CommandError.INVALID_BUNDLE, e.getMessage()).print(out);
        } catch (IllegalArgumentException e) {
            return CliError.of(new Blip2Exception(ErrorCode.INVALID_REQUEST, e.getMessage(), e), ExitStatus.USAGE)
                    .printWithHint(name(), out, err);
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
}
