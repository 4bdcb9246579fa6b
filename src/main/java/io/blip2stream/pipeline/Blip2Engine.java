package io.blip2stream.pipeline;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.model.BundleManifest;
import io.blip2stream.model.Family;
import io.blip2stream.model.ModelBundle;
import io.blip2stream.onnx.LanguageModel;
import io.blip2stream.onnx.LmBatch;
import io.blip2stream.onnx.OnnxInitializers;
import io.blip2stream.onnx.OptLanguageModel;
import io.blip2stream.onnx.OrtSessions;
import io.blip2stream.onnx.T5LanguageModel;
import io.blip2stream.onnx.VisionGraph;
import io.blip2stream.pipeline.generate.GeneratedSequence;
import io.blip2stream.pipeline.generate.GenerationConstants;
import io.blip2stream.pipeline.generate.GenerationOptions;
import io.blip2stream.pipeline.generate.Generator;
import io.blip2stream.onnx.LanguageModelStep;
import io.blip2stream.pipeline.generate.RowInput;
import io.blip2stream.pipeline.preprocess.ImagePreprocessor;
import io.blip2stream.pipeline.preprocess.ImageSpec;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BLIP-2 pipeline on ONNX Runtime: per micro-batch, prompts are formatted and tokenised,
 * images preprocessed and encoded in one vision run (with the {@link VisionCache}), the requests
 * decoded in one language-model batch (each with its own options: greedy, sampling and beams, any
 * length; rows leave as they finish), then detokenised. A bad request fails alone. Continuous
 * batching ({@link #openSession}) lets requests join a running batch between steps instead.
 */
public final class Blip2Engine implements InferenceEngine {
    private static final Logger LOG = Logger.getLogger(Blip2Engine.class);

    /** Which language-model step decodes: the KV-cached one, or the naive recomputing reference. */
    public enum Decoding { CACHED, REFERENCE }

    private final ModelBundle bundle;
    private final OrtSessions sessions;
    private final PromptFormatter formatter;
    private final PromptTokenizer tokenizer;
    private final VisionGraph visionGraph;
    private final VisionCache cache;
    private final VisionEncoder vision;
    private final LanguageModel lm;
    private final GenerationConstants consts;
    private final GenerationOptions defaults;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final EngineStats stats = new EngineStats();
    private final int numQuery;
    private final int embedsPerImage;
    /** Positions the language model can embed (Q + prompt + new tokens), 0 where it has no table. */
    private final int lmPositions;

    private Blip2Engine(ModelBundle bundle, EngineConfig config) {
        this.bundle = bundle;
        BundleManifest m = bundle.manifest();
        this.sessions = new OrtSessions(config.ort());
        this.formatter = PromptFormatter.of(m.prompts());
        this.numQuery = m.dims().numQueryTokens();
        this.cache = new VisionCache(config.visionCacheSize());
        this.defaults = GenerationOptions.fromBundle(m.generation());
        int[] eos = m.tokens().eosTokenIds().stream().mapToInt(Long::intValue).toArray();
        this.consts = new GenerationConstants(eos, m.tokens().padTokenId().intValue(), m.dims().vocabSize());
        this.lmPositions = lmPositions(bundle);
        PromptTokenizer tok = null;
        VisionGraph vg = null;
        try {
            tok = PromptTokenizer.open(bundle, config.maxPromptTokens(), lmPositions);
            vg = new VisionGraph(sessions, bundle);
            this.lm = bundle.family() == Family.OPT ? new OptLanguageModel(sessions, bundle)
                    : new T5LanguageModel(sessions, bundle);
        } catch (RuntimeException e) {
            if (tok != null) {
                tok.close();
            }
            if (vg != null) {
                vg.close();
            }
            throw e;
        }
        this.tokenizer = tok;
        this.visionGraph = vg;
        this.embedsPerImage = vg.embedsPerImage();
        this.vision = new VisionEncoder(new ImagePreprocessor(ImageSpec.of(m.image()), config.imageLimits()), vg, cache,
                config.visionMaxBatch());
        LOG.infof("model %s (%s, %s) loaded from %s", m.name(), m.family(), m.dtype(), bundle.dir());
    }

    /**
     * Opens a bundle directory.
     *
     * @throws io.blip2stream.model.BundleException when the bundle or one of its graphs is unusable
     */
    public static Blip2Engine open(Path bundleDir, EngineConfig config) {
        return new Blip2Engine(ModelBundle.open(bundleDir), config);
    }

    /**
     * OPT's learned position table, read from the decoder graph: its rows less OPT's offset of 2
     * (HF's {@code OPTLearnedPositionalEmbedding}); 0 for T5 (relative positions) or when absent.
     */
    static int lmPositions(ModelBundle bundle) {
        if (bundle.family() != Family.OPT) {
            return 0;
        }
        return OnnxInitializers.dims(bundle.graphPath("decoder"), n -> n.endsWith("embed_positions.weight"))
                .filter(d -> d.length == 2 && d[0] > 2)
                .map(d -> (int) d[0] - 2)
                .orElse(0);
    }

    /** Positions the language model can embed, 0 where it has no table. */
    public int lmPositions() {
        return lmPositions;
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public VisionCache visionCache() {
        return cache;
    }

    public PromptTokenizer tokenizer() {
        return tokenizer;
    }

    public PromptFormatter formatter() {
        return formatter;
    }

    /** "CPU" or "CUDA:n": where the graphs run. */
    public String executionProvider() {
        return sessions.chosenProvider();
    }

    /** Where the decoding loops keep the K/V cache: "host", or the device ("CUDA:0", "CPU"): {@code blip2.decode-loop}. */
    public String kvCacheLocation() {
        return lm.kvCacheLocation();
    }

    @Override
    public String modelName() {
        return bundle.manifest().name();
    }

    /** The bundle's weight type: fp32, fp16 or int8 ("fp32" when the manifest does not say). */
    public String modelDtype() {
        String d = bundle.manifest().dtype();
        return d == null || d.isBlank() ? "fp32" : d;
    }

    @Override
    public GenerationOptions defaultOptions() {
        return defaults;
    }

    /**
     * Continuous batching ({@link ContinuousBatch}): one running decoding batch of at most
     * {@code maxRequests} requests; newcomers join between steps, as many per admission as the
     * caller cuts.
     */
    @Override
    public <K> DecodingSession<K> openSession(int maxRequests) {
        return new ContinuousBatch<>(this, maxRequests);
    }

    /** The language model's fast path, holding no rows yet. */
    LanguageModelStep openStep() {
        return new TimedStep(lm.open(), stats);
    }

    @Override
    public EngineStats.Snapshot stats() {
        return stats.snapshot();
    }

    GenerationConstants constants() {
        return consts;
    }

    @Override
    public List<InferenceOutcome> infer(List<InferenceRequest> batch) {
        return infer(batch, Decoding.CACHED);
    }

    /** One request ready for the language model. */
    record Prepared(int index, InferenceRequest request, GenerationOptions options, long[] textIds,
                            float[] embeds, boolean cacheHit) {
    }

    /**
     * A batch with its prompts tokenised and its images preprocessed.
     *
     * @param failed failures found while preparing, by position (null where none)
     * @param texts  text token ids by position (null where failed)      // [B][T]
     * @param images the images of the positions not failed, in order, and where they go
     */
    private record Staged(List<InferenceRequest> requests, InferenceOutcome[] failed, long[][] texts,
                          List<Integer> imageIndex, VisionEncoder.Staged images, double tokenizeMs)
            implements PreparedBatch {
    }

    /** Tokenises the prompts and preprocesses the images; the graphs run in {@link #infer(PreparedBatch)}. */
    @Override
    public PreparedBatch prepare(List<InferenceRequest> batch) {
        List<InferenceRequest> requests = List.copyOf(batch);
        InferenceOutcome[] failed = new InferenceOutcome[requests.size()];
        long t0 = System.nanoTime();
        long[][] texts = new long[requests.size()][];
        for (int i = 0; i < requests.size(); i++) {
            InferenceRequest r = requests.get(i);
            try {
                if (r.image() == null) {
                    throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "the request has no image");
                }
                if (r.prompt() == null) {
                    throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "the request has no prompt");
                }
                texts[i] = tokenizer.encodeText(formatter.format(r.prompt()));
                checkPositions(texts[i].length, r.options() != null ? r.options() : defaults);
            } catch (Blip2Exception e) {
                failed[i] = new InferenceOutcome.Failure(r.id(), e);
            } catch (RuntimeException e) {
                failed[i] = new InferenceOutcome.Failure(r.id(),
                        new Blip2Exception(ErrorCode.INVALID_REQUEST, "the prompt could not be tokenised: " + e.getMessage(), e));
            }
        }
        double tokenizeMs = (System.nanoTime() - t0) / 1e6;
        List<byte[]> toEncode = new ArrayList<>();
        List<Integer> toEncodeIndex = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            if (failed[i] == null) {
                toEncode.add(requests.get(i).image());
                toEncodeIndex.add(i);
            }
        }
        VisionEncoder.Staged images;
        try {
            images = vision.prepare(toEncode);
        } catch (RuntimeException e) {
            LOG.errorf(e, "preprocessing failed for a batch of %d", toEncode.size());
            for (int i : toEncodeIndex) {
                failed[i] = new InferenceOutcome.Failure(requests.get(i).id(),
                        new Blip2Exception(ErrorCode.INFERENCE_FAILED, "the vision stage failed: " + e.getMessage(), e));
            }
            return new Staged(requests, failed, texts, List.of(), null, tokenizeMs);
        }
        return new Staged(requests, failed, texts, List.copyOf(toEncodeIndex), images, tokenizeMs);
    }

    /**
     * Batches prepared apart (each request on its own, ahead of its admission) as one: nothing is
     * prepared again, and an image two parts share is encoded once.
     */
    @Override
    public PreparedBatch combine(List<PreparedBatch> parts) {
        if (!parts.stream().allMatch(p -> p instanceof Staged)) {
            return InferenceEngine.super.combine(parts);
        }
        List<InferenceRequest> requests = new ArrayList<>();
        List<InferenceOutcome> failed = new ArrayList<>();
        List<long[]> texts = new ArrayList<>();
        List<Integer> imageIndex = new ArrayList<>();
        List<VisionEncoder.Staged> images = new ArrayList<>();
        int[] imageCounts = new int[parts.size()];
        double tokenizeMs = 0;
        for (int p = 0; p < parts.size(); p++) {
            Staged part = (Staged) parts.get(p);
            int base = requests.size();
            requests.addAll(part.requests());
            failed.addAll(Arrays.asList(part.failed()));
            texts.addAll(Arrays.asList(part.texts()));
            part.imageIndex().forEach(i -> imageIndex.add(base + i));
            images.add(part.images());
            imageCounts[p] = part.imageIndex().size();
            tokenizeMs += part.tokenizeMs();
        }
        VisionEncoder.Staged staged = imageIndex.isEmpty() ? null
                : VisionEncoder.Staged.concat(images, imageCounts, vision.pixelsPerImage());
        return new Staged(List.copyOf(requests), failed.toArray(InferenceOutcome[]::new),
                texts.toArray(long[][]::new), List.copyOf(imageIndex), staged, tokenizeMs);
    }

    @Override
    public List<InferenceOutcome> infer(PreparedBatch batch) {
        return infer(batch, Decoding.CACHED);
    }

    /** As {@link #infer(List)}, choosing the decoding path (the reference path is for tests). */
    public List<InferenceOutcome> infer(List<InferenceRequest> batch, Decoding decoding) {
        return infer(prepare(batch), decoding);
    }

    private List<InferenceOutcome> infer(PreparedBatch prepared, Decoding decoding) {
        InferenceOutcome[] out = new InferenceOutcome[prepared.requests().size()];
        Encoded e = encode(prepared, out);
        if (!e.ready().isEmpty()) {
            runGroup(e.ready(), decoding, e.preprocessMs(), e.visionMs(), out);
        }
        return List.of(out);
    }

    /**
     * A batch's requests through the vision stage.
     *
     * @param ready        the requests ready for the language model, in batch order
     * @param preprocessMs tokenisation and image preprocessing of the batch
     * @param visionMs     its vision run
     */
    record Encoded(List<Prepared> ready, double preprocessMs, double visionMs) {
    }

    /**
     * Prepares (if not yet) and encodes a batch's images in one vision run; a request that cannot
     * go on gets its failure in {@code out} at its position.
     */
    Encoded encode(PreparedBatch prepared, InferenceOutcome[] out) {
        if (!(prepared instanceof Staged staged)) {
            return encode(prepare(prepared.requests()), out);
        }
        List<InferenceRequest> batch = staged.requests();
        for (int i = 0; i < out.length; i++) {
            if (staged.failed()[i] != null) {
                out[i] = staged.failed()[i];
            }
        }
        if (staged.images() == null) {
            return new Encoded(List.of(), staged.tokenizeMs(), 0);
        }
        List<Integer> toEncodeIndex = staged.imageIndex();
        VisionEncoder.Result v;
        try {
            v = vision.run(staged.images());
            stats.vision(v.runs(), v.encoded(), (long) (v.visionMs() * 1e6));
        } catch (RuntimeException e) {
            LOG.errorf(e, "vision stage failed for a batch of %d", toEncodeIndex.size());
            for (int i : toEncodeIndex) {
                out[i] = new InferenceOutcome.Failure(batch.get(i).id(),
                        new Blip2Exception(ErrorCode.INFERENCE_FAILED, "the vision stage failed: " + e.getMessage(), e));
            }
            return new Encoded(List.of(), staged.tokenizeMs(), 0);
        }
        List<Prepared> ready = new ArrayList<>(toEncodeIndex.size());
        for (int k = 0; k < toEncodeIndex.size(); k++) {
            int i = toEncodeIndex.get(k);
            InferenceRequest r = batch.get(i);
            VisionEncoder.Item item = v.items().get(k);
            if (item.error() != null) {
                out[i] = new InferenceOutcome.Failure(r.id(), item.error());
                continue;
            }
            GenerationOptions opts = r.options() != null ? r.options() : defaults;
            ready.add(new Prepared(i, r, opts, staged.texts()[i], item.embeds(), item.cacheHit()));
        }
        return new Encoded(List.copyOf(ready), staged.tokenizeMs() + v.preprocessMs(), v.visionMs());
    }

    /**
     * The language model's input for requests ready for it: their prompts padded as HF's processor
     * pads them (OPT left, T5 right), with the vision output at the Q image positions.
     */
    LmBatch lmBatch(List<Prepared> group, TokenizedBatch tb) {
        int rows = group.size();
        float[] query = new float[rows * embedsPerImage];    // [B, Q, D]
        for (int b = 0; b < rows; b++) {
            System.arraycopy(group.get(b).embeds(), 0, query, b * embedsPerImage, embedsPerImage);
        }
        return new LmBatch(rows, tb.length(), tb.inputIds(), tb.attentionMask(), query, numQuery);
    }

    /** Tokenises the prompts of {@code group} as one padded batch. */
    TokenizedBatch tokenize(List<Prepared> group) {
        List<long[]> texts = new ArrayList<>(group.size());
        for (Prepared p : group) {
            texts.add(p.textIds());
        }
        return tokenizer.batch(texts);
    }

    /** A request's sampling seed: its own, or one derived from its id. */
    static long seedOf(Prepared p) {
        return p.options().seed() != null ? p.options().seed() : seedFromId(p.request().id());
    }

    /** Generated sequences as the outcome's: token ids and their text. */
    List<InferenceOutcome.Sequence> detokenize(List<GeneratedSequence> seqs) {
        List<InferenceOutcome.Sequence> list = new ArrayList<>(seqs.size());
        for (GeneratedSequence s : seqs) {
            list.add(new InferenceOutcome.Sequence(s.tokenIds(), tokenizer.decode(s.tokenIds()), s.finishReason()));
        }
        return list;
    }

    /** One language-model batch for {@code group}, each request with its own options; rows leave as they finish. */
    private void runGroup(List<Prepared> group, Decoding decoding, double preprocessMs, double visionMs,
                          InferenceOutcome[] out) {
        long g0 = System.nanoTime();
        List<List<GeneratedSequence>> generated;
        try {
            int rows = group.size();
            TokenizedBatch tb = tokenize(group);
            List<RowInput> inputs = new ArrayList<>(rows);
            for (int b = 0; b < rows; b++) {
                inputs.add(new RowInput(contextIds(tb, b), seedOf(group.get(b))));
            }
            LmBatch lb = lmBatch(group, tb);
            try (LanguageModelStep step = new TimedStep(decoding == Decoding.CACHED ? lm.start(lb) : lm.startReference(lb),
                    stats)) {
                generated = Generator.generate(step, inputs, group.stream().map(Prepared::options).toList(), null, consts);
            }
        } catch (RuntimeException e) {
            if (group.size() > 1) {
                // one row can fail the whole run: each request again alone, so only the culprit fails
                LOG.warnf(e, "generation failed for a group of %d; retrying each request alone", group.size());
                for (Prepared p : group) {
                    runGroup(List.of(p), decoding, preprocessMs, visionMs, out);
                }
                return;
            }
            Prepared p = group.getFirst();
            LOG.errorf(e, "generation failed for request %s", p.request().id());
            out[p.index()] = new InferenceOutcome.Failure(p.request().id(), e instanceof Blip2Exception b ? b
                    : new Blip2Exception(ErrorCode.INFERENCE_FAILED, "generation failed: " + e.getMessage(), e));
            return;
        }
        long g1 = System.nanoTime();
        List<List<InferenceOutcome.Sequence>> decoded = new ArrayList<>(group.size());
        for (List<GeneratedSequence> seqs : generated) {
            decoded.add(detokenize(seqs));
        }
        double generateMs = (g1 - g0) / 1e6;
        double decodeMs = (System.nanoTime() - g1) / 1e6;
        StageTimings timings = new StageTimings(preprocessMs, visionMs, generateMs, decodeMs);
        for (int b = 0; b < group.size(); b++) {
            Prepared p = group.get(b);
            out[p.index()] = new InferenceOutcome.Success(p.request().id(), decoded.get(b), group.size(), timings,
                    p.cacheHit());
        }
    }

    /**
     * Q query tokens, the prompt and every new token must fit the language model's position
     * table: a prompt that leaves no room for {@code max_new_tokens} is PROMPT_TOO_LONG now,
     * before any inference (else the graph would fail, and with it the request's batch-mates).
     */
    private void checkPositions(int promptTokens, GenerationOptions options) {
        if (lmPositions <= 0) {
            return;
        }
        int room = lmPositions - numQuery - options.maxNewTokens();
        if (promptTokens > room) {
            throw Blip2Exception.limit(ErrorCode.PROMPT_TOO_LONG, "the prompt length in tokens (with max_new_tokens "
                    + options.maxNewTokens() + " and " + lmPositions + " positions)", promptTokens, Math.max(0, room));
        }
    }

    /**
     * HF's generation-time input_ids of a request run alone: OPT its prompt without pads (image ids,
     * bos, text), T5 the decoder start. What a request decodes in a continuous batch depends on
     * nothing else.
     */
    int[] aloneContextIds(TokenizedBatch tb, int row) {
        if (bundle.family() == Family.T5) {
            return contextIds(tb, row);
        }
        long[] ids = tb.ids(row);
        long[] mask = tb.mask(row);
        int n = 0;
        for (long m : mask) {
            n += m != 0 ? 1 : 0;
        }
        int[] out = new int[n];
        int j = 0;
        for (int i = 0; i < ids.length; i++) {
            if (mask[i] != 0) {
                out[j++] = (int) ids[i];
            }
        }
        return out;
    }

    /** HF's generation-time input_ids: OPT the whole prompt (image and pad ids too), T5 the decoder start. */
    private int[] contextIds(TokenizedBatch tb, int row) {
        if (bundle.family() == Family.T5) {
            return new int[]{bundle.manifest().tokens().decoderStartTokenId().intValue()};
        }
        long[] ids = tb.ids(row);
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** A reproducible seed for a request without one: the first 8 bytes of SHA-256(id). */
    static long seedFromId(String id) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(String.valueOf(id).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(d).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Idempotent: the service may close the engine on SIGTERM before the container does. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        lm.close();
        visionGraph.close();
        tokenizer.close();
    }
}
