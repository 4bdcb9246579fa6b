package io.blip2stream.pipeline;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.model.BundleException;
import io.blip2stream.model.BundleManifest;
import io.blip2stream.model.ModelBundle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Tokenises prompts exactly as HF's {@code Blip2Processor}: the text with the tokenizer's special
 * tokens (OPT: bos in front; T5: {@code </s>} at the end), padded to the longest row on the
 * bundle's padding side (left for OPT, right for T5), then Q {@code <image>} ids put in front of
 * every row with mask 1. Thread-safe.
 */
public final class PromptTokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final int numQuery;
    private final long imageTokenId;
    private final long padTokenId;
    private final boolean padLeft;
    private final boolean addSpecialTokens;
    private final int maxPromptTokens;

    /**
     * @param maxPromptTokens the most text tokens (special tokens included, image tokens excluded)
     *                        a prompt may have
     */
    public PromptTokenizer(Path tokenizerJson, int numQuery, long imageTokenId, long padTokenId, boolean padLeft,
                           boolean addSpecialTokens, int maxPromptTokens) {
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson,
                    Map.of("addSpecialTokens", String.valueOf(addSpecialTokens), "truncation", "false",
                            "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new BundleException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
        }
        this.numQuery = numQuery;
        this.imageTokenId = imageTokenId;
        this.padTokenId = padTokenId;
        this.padLeft = padLeft;
        this.addSpecialTokens = addSpecialTokens;
        this.maxPromptTokens = maxPromptTokens;
    }

    /**
     * The bundle's tokenizer and its settings. The prompt limit is the smallest of the
     * tokenizer's {@code model_max_length}, the language model's position table and the configured
     * limit, minus the Q query tokens every prompt carries in front.
     *
     * @param maxPromptTokens the configured limit on text tokens; 0 = no limit of its own
     * @param lmPositions     positions the language model's graph has (0 = unknown, none)
     */
    public static PromptTokenizer open(ModelBundle bundle, int maxPromptTokens, int lmPositions) {
        BundleManifest m = bundle.manifest();
        BundleManifest.TokenizerSpec t = m.tokenizer();
        int q = m.dims().numQueryTokens();
        boolean left = t.paddingSide() != null ? t.paddingSide().equals("left")
                : bundle.family() == io.blip2stream.model.Family.OPT;
        int limit = promptLimit(t.modelMaxLength() != null ? t.modelMaxLength() : 512, lmPositions, q, maxPromptTokens);
        return new PromptTokenizer(bundle.tokenizerPath(), q, m.tokens().imageTokenId(), m.tokens().padTokenId(), left,
                t.addSpecialTokens() == null || t.addSpecialTokens(), limit);
    }

    public static PromptTokenizer open(ModelBundle bundle, int maxPromptTokens) {
        return open(bundle, maxPromptTokens, 0);
    }

    /** min(model_max_length, positions) - Q, and no more than a configured limit (each 0 when absent). */
    static int promptLimit(int modelMaxLength, int lmPositions, int numQuery, int configured) {
        int sequence = lmPositions > 0 ? Math.min(modelMaxLength, lmPositions) : modelMaxLength;
        int limit = Math.max(1, sequence - numQuery);
        return configured > 0 ? Math.min(configured, limit) : limit;
    }

    public int maxPromptTokens() {
        return maxPromptTokens;
    }

    /**
     * The text's ids with special tokens, no image ids, no padding.
     *
     * @throws Blip2Exception PROMPT_TOO_LONG (with the limit) when over {@link #maxPromptTokens()}
     */
    public long[] encodeText(String text) {
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        if (ids.length > maxPromptTokens) {
            throw Blip2Exception.limit(ErrorCode.PROMPT_TOO_LONG, "prompt length in tokens", ids.length, maxPromptTokens);
        }
        return ids;
    }

    /** Pads {@code texts} (from {@link #encodeText}) into one batch with the image ids in front. */
    public TokenizedBatch batch(List<long[]> texts) {
        int longest = 0;
        for (long[] t : texts) {
            longest = Math.max(longest, t.length);
        }
        int len = numQuery + longest;
        int rows = texts.size();
        long[] ids = new long[rows * len];    // [B, T]
        long[] mask = new long[rows * len];   // [B, T]
        for (int b = 0; b < rows; b++) {
            long[] t = texts.get(b);
            int base = b * len;
            Arrays.fill(ids, base, base + numQuery, imageTokenId);
            Arrays.fill(mask, base, base + numQuery, 1L);
            int pad = longest - t.length;
            int textStart = base + numQuery + (padLeft ? pad : 0);
            int padStart = base + numQuery + (padLeft ? 0 : t.length);
            Arrays.fill(ids, padStart, padStart + pad, padTokenId);
            System.arraycopy(t, 0, ids, textStart, t.length);
            Arrays.fill(mask, textStart, textStart + t.length, 1L);
        }
        return new TokenizedBatch(rows, len, ids, mask);
    }

    /** Decodes generated ids, skipping special tokens. */
    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return tokenizer.decode(l, true);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
