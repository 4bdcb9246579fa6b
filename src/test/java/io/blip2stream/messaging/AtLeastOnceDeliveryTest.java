package io.blip2stream.messaging;

import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.RecordSource;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
import io.blip2stream.api.TimingMs;
import io.blip2stream.api.WireResult;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** At-least-once delivery when a write fails: permanent failures never stop the channel. */
class AtLeastOnceDeliveryTest {

    private static final RecordSource SOURCE = new RecordSource("in", 0, 7);

    /** A publisher whose writes fail as {@code outcome} says, recording what it was asked to write. */
    private static final class FailingPublisher extends ResultPublisher {
        final List<WireResult> written = new ArrayList<>();
        private final Function<WireResult, Throwable> outcome;

        FailingPublisher(Function<WireResult, Throwable> outcome) {
            this.outcome = outcome;
        }

        @Override
        public CompletionStage<Void> publish(IncomingRecord origin, WireResult result) {
            written.add(result);
            Throwable t = outcome.apply(result);
            return t == null ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(t);
        }
    }

    private final AtomicInteger acked = new AtomicInteger();
    private final AtomicInteger nacked = new AtomicInteger();

    private Ticket ticket() {
        Message<byte[]> message = Message.of(new byte[]{1}, () -> {
            acked.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }, t -> {
            nacked.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
        return new Ticket(message, new IncomingRecord(SOURCE, 1L, null, new RecordHeaders(), new byte[]{1}), () -> {
        });
    }

    private static ResultRecord success() {
        return new ResultRecord("r1", Task.CAPTION, "a cat", null, "eos", null, "m", 1,
                new TimingMs(0, 0, 0, 0, 0), SOURCE);
    }

    @Test
    void aResultTooLargeToWriteBecomesAnErrorResultAndTheRecordIsCommitted() {
        FailingPublisher publisher = new FailingPublisher(r -> r instanceof ResultRecord
                ? new RecordTooLargeException("the message is 20000000 bytes") : null);

        new AtLeastOnceDelivery(publisher).deliver(ticket(), success());

        assertThat(publisher.written).hasSize(2);
        assertThat(publisher.written.get(1)).isInstanceOfSatisfying(ErrorResult.class, e -> {
            assertThat(e.id()).isEqualTo("r1");
            assertThat(e.error().code()).isEqualTo(ErrorCode.INFERENCE_FAILED.name());
            assertThat(e.error().message()).contains("could not be written");
        });
        assertThat(acked).hasValue(1);
        assertThat(nacked).hasValue(0);
    }

    @Test
    void whenEvenTheErrorResultCannotBeWrittenTheRecordIsStillCommitted() {
        FailingPublisher publisher = new FailingPublisher(r -> new RecordTooLargeException("too large"));

        new AtLeastOnceDelivery(publisher).deliver(ticket(), success());

        assertThat(publisher.written).hasSize(2);
        assertThat(acked).hasValue(1);
        assertThat(nacked).hasValue(0);
    }

    @Test
    void aTransientFailureLeavesTheRecordUncommitted() {
        FailingPublisher publisher = new FailingPublisher(r -> new TimeoutException("broker away"));

        new AtLeastOnceDelivery(publisher).deliver(ticket(), success());

        assertThat(publisher.written).hasSize(1);
        assertThat(acked).hasValue(0);
        assertThat(nacked).hasValue(1);
    }
}
