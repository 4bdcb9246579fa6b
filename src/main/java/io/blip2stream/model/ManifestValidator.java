package io.blip2stream.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Checks a parsed manifest against the bundle contract and the files in its directory. */
final class ManifestValidator {

    static final Set<String> KV_DTYPES = Set.of("float32", "float16");

    private ManifestValidator() {
    }

    /** Graphs each family needs, by manifest key. */
    static List<String> requiredGraphs(Family family) {
        return switch (family) {
            case OPT -> List.of(GraphNames.VISION, GraphNames.EMBED_TOKENS, GraphNames.DECODER);
            case T5 -> List.of(GraphNames.VISION, GraphNames.ENCODER, GraphNames.DECODER_INIT, GraphNames.DECODER);
        };
    }

    /**
     * @throws BundleException listing every problem found, one per line
     */
    static void validate(BundleManifest m, Path dir) {
        List<String> problems = new ArrayList<>();
        if (!BundleManifest.FORMAT.equals(m.format())) {
            problems.add("format is '" + m.format() + "', expected '" + BundleManifest.FORMAT + "'");
        }
        if (m.formatVersion() != BundleManifest.FORMAT_VERSION) {
            problems.add("format_version " + m.formatVersion() + " is not supported (this engine reads "
                    + BundleManifest.FORMAT_VERSION + ")");
        }
        Family family = Family.fromManifest(m.family());
        if (family == null) {
            problems.add("unknown family '" + m.family() + "' (known: opt, t5)");
        }
        if (m.dims() == null) {
            problems.add("missing section 'dims'");
        } else if (m.dims().numQueryTokens() <= 0) {
            problems.add("dims.num_query_tokens must be > 0");
        }
        if (m.tokens() == null) {
            problems.add("missing section 'tokens'");
        } else {
            if (m.tokens().eosTokenIds() == null || m.tokens().eosTokenIds().isEmpty()) {
                problems.add("tokens.eos_token_ids must be a non-empty list");
            }
            if (m.tokens().padTokenId() == null) {
                problems.add("tokens.pad_token_id is missing");
            }
            if (family == Family.T5 && m.tokens().decoderStartTokenId() == null) {
                problems.add("tokens.decoder_start_token_id is required for family t5");
            }
        }
        if (m.tokenizer() == null || m.tokenizer().file() == null) {
            problems.add("missing section 'tokenizer' (with 'file')");
        } else {
            requireFile(dir, m.tokenizer().file(), "tokenizer", problems);
            String side = m.tokenizer().paddingSide();
            if (side != null && !side.equals("left") && !side.equals("right")) {
                problems.add("tokenizer.padding_side must be 'left' or 'right', got '" + side + "'");
            }
        }
        if (m.image() == null) {
            problems.add("missing section 'image'");
        } else if (m.image().imageMean().size() != 3 || m.image().imageStd().size() != 3) {
            problems.add("image.image_mean and image.image_std must have 3 entries");
        }
        if (m.prompts() == null) {
            problems.add("missing section 'prompts'");
        }
        if (m.kvCache() == null) {
            problems.add("missing section 'kv_cache'");
        } else if (!KV_DTYPES.contains(m.kvCache().dtype())) {
            problems.add("kv_cache.dtype '" + m.kvCache().dtype() + "' is not one of " + KV_DTYPES);
        }
        if (m.graphs() == null) {
            problems.add("missing section 'graphs'");
        } else if (family != null) {
            for (String g : requiredGraphs(family)) {
                BundleManifest.Graph graph = m.graphs().get(g);
                if (graph == null || graph.file() == null) {
                    problems.add("graph '" + g + "' is missing from the manifest (family " + m.family() + ")");
                } else {
                    requireFile(dir, graph.file(), "graph " + g, problems);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new BundleException("invalid bundle " + dir + ":\n  " + String.join("\n  ", problems));
        }
    }

    private static void requireFile(Path dir, String file, String what, List<String> problems) {
        Path p = dir.resolve(file).normalize();
        if (!p.startsWith(dir.normalize())) {
            problems.add(what + " file '" + file + "' points outside the bundle");
        } else if (!Files.isRegularFile(p)) {
            problems.add(what + " file is missing: " + p);
        }
    }
}
