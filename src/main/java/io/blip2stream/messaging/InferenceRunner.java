package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.PreparedBatch;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;

/**
 * Calls the engine on one micro-batch and guarantees one outcome per request, in order. The
 * engine reports a bad request as a {@link InferenceOutcome.Failure}; if it throws for a whole
 * batch anyway, every request is retried alone, so one bad record never fails its batch-mates.
 * A batch may be {@link #prepare prepared} on one thread and {@link #run(PreparedBatch) run} on another.
 */
public final class InferenceRunner {

    private static final Logger LOG = Logger.getLogger(InferenceRunner.class);

    private final InferenceEngine engine;

    public InferenceRunner(InferenceEngine engine) {
        this.engine = engine;
    }

    public List<InferenceOutcome> run(List<InferenceRequest> batch) {
        return run(PreparedBatch.unprepared(batch));
    }

    /**
     * The engine's CPU work ahead of {@link #run(PreparedBatch)}; never throws (if the engine's
     * preparation does, the batch goes to the engine unprepared).
     */
    public PreparedBatch prepare(List<InferenceRequest> batch) {
        try {
            return engine.prepare(batch);
        } catch (RuntimeException e) {
            LOG.warnf(e, "preparing a batch of %d failed; it runs unprepared", batch.size());
            return PreparedBatch.unprepared(batch);
        }
    }

    /**
     * Batches prepared apart as one ({@link InferenceEngine#combine}); never throws (if the engine's
     * combination does, the requests go to the engine unprepared).
     */
    public PreparedBatch combine(List<PreparedBatch> parts) {
        try {
            return engine.combine(parts);
        } catch (RuntimeException e) {
            List<InferenceRequest> all = parts.stream().flatMap(p -> p.requests().stream()).toList();
            LOG.warnf(e, "combining %d prepared batches failed; their %d requests run unprepared", parts.size(), all.size());
            return PreparedBatch.unprepared(all);
        }
    }

    /** Runs a prepared batch: one outcome per request, in order, whatever the engine does. */
    public List<InferenceOutcome> run(PreparedBatch prepared) {
        List<InferenceRequest> batch = prepared.requests();
        try {
            return checked(batch, engine.infer(prepared));
        } catch (RuntimeException e) {
            if (batch.size() == 1) {
                LOG.warnf(e, "inference failed for request %s", batch.getFirst().id());
                return List.of(failure(batch.getFirst(), e));
            }
            LOG.warnf(e, "inference failed for a batch of %d; retrying each request alone", batch.size());
            List<InferenceOutcome> out = new ArrayList<>(batch.size());
            for (InferenceRequest r : batch) {
                out.addAll(run(List.of(r)));
            }
            return out;
        }
    }

    private static List<InferenceOutcome> checked(List<InferenceRequest> batch, List<InferenceOutcome> outcomes) {
        if (outcomes == null || outcomes.size() != batch.size()) {
            throw new IllegalStateException("the engine returned " + (outcomes == null ? 0 : outcomes.size())
                    + " outcomes for " + batch.size() + " requests");
        }
        for (int i = 0; i < batch.size(); i++) {
            if (!batch.get(i).id().equals(outcomes.get(i).id())) {
                throw new IllegalStateException("the engine returned outcome " + outcomes.get(i).id()
                        + " in the place of request " + batch.get(i).id());
            }
            if (outcomes.get(i) instanceof InferenceOutcome.Success s && s.sequences().isEmpty()) {
                throw new IllegalStateException("the engine returned no sequence for " + s.id());
            }
        }
        return outcomes;
    }

    private static InferenceOutcome failure(InferenceRequest r, RuntimeException e) {
        Blip2Exception error = e instanceof Blip2Exception b ? b
                : new Blip2Exception(ErrorCode.INFERENCE_FAILED, String.valueOf(e.getMessage()), e);
        return new InferenceOutcome.Failure(r.id(), error);
    }
}
