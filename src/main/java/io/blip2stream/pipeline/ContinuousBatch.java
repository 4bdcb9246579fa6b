package io.blip2stream.pipeline;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.onnx.LmBatch;
import io.blip2stream.pipeline.generate.DecodeBatch;
import io.blip2stream.pipeline.generate.DecodingKernels;
import io.blip2stream.pipeline.generate.RequestDecoding;
import io.blip2stream.pipeline.generate.RowInput;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Continuous batching on a {@link Blip2Engine}: one running {@link DecodeBatch} of at most
 * {@code maxRequests} requests. Newcomers are admitted between steps: their images run through the
 * vision stage in one run, then their prompts through one prefill per prompt length (so that no
 * newcomer computes another's padding), one prefill per step boundary, and their cache joins the
 * running one; each
 * step then decodes every request one token (its own options, seed and beams: greedy, sampling and
 * beam search share a batch), and the finished leave at once. A request decodes exactly what it
 * decodes alone: its context is its own unpadded prompt, its seed its own.
 *
 * <p>Failures stay with their request: a bad image or option fails at admission; a request whose
 * decoding fails leaves alone; a prefill that fails is retried request by request; a decoder step
 * that fails (the whole batch's run) is recovered by running each request it held alone.
 *
 * @param <K> the caller's handle of a request
 */
final class ContinuousBatch<K> implements DecodingSession<K> {
    private static final Logger LOG = Logger.getLogger(ContinuousBatch.class);

    /** A request in the batch, with what its outcome reports. */
    private record Member<K>(K key, Blip2Engine.Prepared prepared, double preprocessMs, double visionMs,
                             long joinedNanos) {
    }

    private final Blip2Engine engine;
    private final int maxRequests;
    private final DecodingKernels kernels;
    private DecodeBatch<Member<K>> batch;
    /** Newcomers through the vision stage, one group per prompt length, each joining at its own step boundary. */
    private final ArrayDeque<List<Member<K>>> pending = new ArrayDeque<>();
    private int pendingCount;

    ContinuousBatch(Blip2Engine engine, int maxRequests) {
        if (maxRequests < 1) {
            throw new IllegalArgumentException("maxRequests must be >= 1, got " + maxRequests);
        }
        this.engine = engine;
        this.maxRequests = maxRequests;
        this.kernels = new DecodingKernels(engine.constants());
        this.batch = new DecodeBatch<>(engine.openStep(), engine.constants().vocabSize());
    }

    @Override
    public int room() {
        return batch.canJoin() ? Math.max(0, maxRequests - requests()) : 0;
    }

    /** Requests decoding, and admitted ones waiting for their prefill at the next step boundaries. */
    @Override
    public int requests() {
        return batch.requests() + pendingCount;
    }

    /** Language-model rows in the batch. */
    int rows() {
        return batch.rows();
    }

    @Override
    public List<Completed<K>> admit(List<K> keys, PreparedBatch prepared) {
        if (keys.size() != prepared.requests().size()) {
            throw new IllegalArgumentException(keys.size() + " keys for " + prepared.requests().size() + " requests");
        }
        InferenceOutcome[] out = new InferenceOutcome[keys.size()];
        Blip2Engine.Encoded encoded = engine.encode(prepared, out);
        List<Completed<K>> failed = new ArrayList<>();
        List<Member<K>> ready = new ArrayList<>();
        long now = System.nanoTime();
        for (Blip2Engine.Prepared p : encoded.ready()) {
            ready.add(new Member<>(keys.get(p.index()), p, encoded.preprocessMs(), encoded.visionMs(), now));
        }
        // one prefill per prompt length (no newcomer pays for another's padding), one per step boundary
        // (the running rows wait for one vision run or one prefill at a time, never for a whole chunk)
        Map<Integer, List<Member<K>>> byLength = new LinkedHashMap<>();
        for (Member<K> m : ready) {
            byLength.computeIfAbsent(m.prepared().textIds().length, x -> new ArrayList<>()).add(m);
        }
        for (List<Member<K>> sameLength : byLength.values()) {
            pending.add(sameLength);
            pendingCount += sameLength.size();
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] != null) {
                failed.add(new Completed<>(keys.get(i), out[i]));
            }
        }
        return failed;
    }

    /** Joins {@code group}; a failed prefill is retried request by request, so only the culprit fails. */
    private void join(List<Member<K>> group, List<Completed<K>> failed) {
        if (group.isEmpty()) {
            return;
        }
        try {
            joinNow(group, failed);
        } catch (RuntimeException e) {
            if (group.size() > 1) {
                LOG.warnf(e, "the prefill of %d newcomers failed; each joins alone", group.size());
                for (Member<K> m : group) {
                    join(List.of(m), failed);
                }
                return;
            }
            Member<K> m = group.getFirst();
            LOG.errorf(e, "the prefill of request %s failed", m.prepared().request().id());
            failed.add(new Completed<>(m.key(), failure(m, e, "the prefill failed: ")));
        }
    }

    private void joinNow(List<Member<K>> group, List<Completed<K>> failed) {
        TokenizedBatch tb = engine.tokenize(prepared(group));
        List<Member<K>> joining = new ArrayList<>(group.size());
        List<RequestDecoding> decodings = new ArrayList<>(group.size());
        for (int b = 0; b < group.size(); b++) {
            Member<K> m = group.get(b);
            try {
                RowInput row = new RowInput(engine.aloneContextIds(tb, b), Blip2Engine.seedOf(m.prepared()));
                decodings.add(kernels.start(row, m.prepared().options()));
                joining.add(m);
            } catch (RuntimeException e) {
                failed.add(new Completed<>(m.key(), failure(m, e, "cannot decode: ")));
            }
        }
        if (joining.isEmpty()) {
            return;
        }
        if (joining.size() != group.size()) {
            tb = engine.tokenize(prepared(joining));
        }
        LmBatch lb = engine.lmBatch(prepared(joining), tb);
        batch.join(joining, decodings, lb);
    }

    private static <K> List<Blip2Engine.Prepared> prepared(List<Member<K>> group) {
        return group.stream().map(Member::prepared).toList();
    }

    @Override
    public List<Completed<K>> step() {
        List<Completed<K>> out = new ArrayList<>();
        if (!pending.isEmpty() && batch.canJoin()) {
            List<Member<K>> next = pending.poll();
            pendingCount -= next.size();
            join(next, out);
        }
        if (batch.requests() == 0) {
            return out;
        }
        int inBatch = batch.requests();
        List<DecodeBatch.Finished<Member<K>>> finished;
        try {
            finished = batch.step();
        } catch (RuntimeException e) {
            out.addAll(recover(e));
            return out;
        }
        long done = System.nanoTime();
        for (DecodeBatch.Finished<Member<K>> f : finished) {
            Member<K> m = f.key();
            if (f.error() != null) {
                LOG.errorf(f.error(), "decoding failed for request %s", m.prepared().request().id());
                out.add(new Completed<>(m.key(), failure(m, f.error(), "generation failed: ")));
                continue;
            }
            long d0 = System.nanoTime();
            List<InferenceOutcome.Sequence> seqs = engine.detokenize(f.sequences());
            StageTimings timings = new StageTimings(m.preprocessMs(), m.visionMs(), (done - m.joinedNanos()) / 1e6,
                    (System.nanoTime() - d0) / 1e6);
            out.add(new Completed<>(m.key(), new InferenceOutcome.Success(m.prepared().request().id(), seqs, inBatch,
                    timings, m.prepared().cacheHit())));
        }
        return out;
    }

    /**
     * A decoder step failed for the whole batch: a fresh batch takes newcomers from now on, and
     * each request the broken one held runs alone, so that only a request that fails alone fails.
     */
    private List<Completed<K>> recover(RuntimeException e) {
        List<Member<K>> held = batch.keys();
        LOG.warnf(e, "a decoding step failed for %d requests; each runs alone", held.size());
        try {
            batch.close();
        } catch (RuntimeException closing) {
            e.addSuppressed(closing);
        }
        batch = new DecodeBatch<>(engine.openStep(), engine.constants().vocabSize());
        List<Completed<K>> out = new ArrayList<>(held.size());
        for (Member<K> m : held) {
            InferenceOutcome outcome;
            try {
                outcome = engine.infer(List.of(m.prepared().request())).getFirst();
            } catch (RuntimeException alone) {
                outcome = failure(m, alone, "generation failed: ");
            }
            out.add(new Completed<>(m.key(), outcome));
        }
        return out;
    }

    private static <K> InferenceOutcome failure(Member<K> m, RuntimeException e, String what) {
        Blip2Exception error = e instanceof Blip2Exception b ? b
                : new Blip2Exception(ErrorCode.INFERENCE_FAILED, what + e.getMessage(), e);
        return new InferenceOutcome.Failure(m.prepared().request().id(), error);
    }

    @Override
    public void close() {
        pending.clear();
        pendingCount = 0;
        batch.close();
    }
}
