package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.TimingMs;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.StageTimings;

import java.util.List;

/** Builds wire results from engine outcomes. Pure. */
public final class ResultFactory {

    private static final double NANOS_PER_MS = 1_000_000.0;

    private ResultFactory() {
    }

    /**
     * @param batchStartNanos when the request's batch went to the engine
     * @param doneNanos       when the engine returned
     */
    public static ResultRecord success(ServiceRequest r, InferenceOutcome.Success s, String model,
                                       long batchStartNanos, long doneNanos) {
        List<InferenceOutcome.Sequence> seqs = s.sequences();
        InferenceOutcome.Sequence best = seqs.getFirst();
        List<String> texts = seqs.size() > 1 ? seqs.stream().map(InferenceOutcome.Sequence::text).toList() : null;
        List<int[]> tokenIds = r.returnTokenIds()
                ? seqs.stream().map(q -> q.tokenIds().clone()).toList() : null;
        StageTimings t = s.timings();
        TimingMs timing = new TimingMs(
                ms(batchStartNanos - r.receivedNanos()),
                t.preprocessMs(),
                t.visionMs(),
                t.generateMs() + t.decodeMs(),
                ms(doneNanos - r.receivedNanos()));
        return new ResultRecord(r.id(), r.task(), best.text(), texts, best.finishReason().wire(), tokenIds, model,
                s.batchSize(), timing, r.origin().source());
    }

    public static ErrorResult failure(ServiceRequest r, Blip2Exception e) {
        return ErrorResult.of(r.id(), r.task(), e, r.origin().source());
    }

    private static double ms(long nanos) {
        return Math.max(0, nanos) / NANOS_PER_MS;
    }
}
