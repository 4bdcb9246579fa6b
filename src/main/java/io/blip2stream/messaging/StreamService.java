package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.RecordSource;
import io.blip2stream.api.Task;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.WireCodec;
import io.blip2stream.api.WireResult;
import io.blip2stream.batching.BatchState;
import io.blip2stream.batching.BatchMode;
import io.blip2stream.batching.BatchWorkers;
import io.blip2stream.batching.InFlightLimiter;
import io.blip2stream.pipeline.InferenceEngine;
import io.blip2stream.pipeline.DecodingSession;
import io.blip2stream.pipeline.InferenceOutcome;
import io.blip2stream.pipeline.InferenceRequest;
import io.blip2stream.pipeline.LazySession;
import io.blip2stream.pipeline.PreparedBatch;
import io.blip2stream.pipeline.Prompt;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * The service: consumes image and question records with bounded demand, maps them to requests,
 * fetches claim-checked images, hands requests to the inference workers, writes one result per
 * record (plus a dead-letter record per error) and acks each record only once Kafka has
 * acknowledged its writes.
 */
@ApplicationScoped
public class StreamService {

    private static final Logger LOG = Logger.getLogger(StreamService.class);

    /** Where the service is in its life. */
    public enum State { STARTING, READY, FAILED, STOPPING, STOPPED }

    @FunctionalInterface
    private interface RecordMapping {
        Mapped map(IncomingRecord r, long nowWallMs, long receivedNanos);
    }

    @Inject
    @Channel(Channels.IMAGES_IN)
    Multi<Message<byte[]>> images;

    @Inject
    @Channel(Channels.QUESTIONS_IN)
    Multi<Message<byte[]>> questions;

    @Inject
    InferenceEngine engine;

    @Inject
    ResultPublisher publisher;

    @Inject
    ExactlyOnceDelivery exactlyOnce;

    @Inject
    ServiceConfig config;

    @Inject
    ServiceMetrics metrics;

    /** Observers of finished records (the live page); the service does not know who listens. */
    @Inject
    Event<RequestCompleted> completed;

    private volatile State state = State.STARTING;
    private volatile String failure = "";
    private InFlightLimiter limiter;
    private BatchWorkers<Ticket, Handler.Staged> workers;
    private ContinuousHandler continuous;   // continuous batching only
    private ExecutorService fetchPool;
    private HostLanes fetchLanes;
    private RequestMapper mapper;
    private ImageFetcher fetcher;
    private InferenceRunner runner;
    private volatile ResultDelivery delivery;
    private final List<Flow.Subscription> subscriptions = new ArrayList<>();

    void onStart(@Observes StartupEvent event) {
        if (config.maxInFlight() > ResultPublisher.EMITTER_BUFFER / 2) {
            throw new IllegalArgumentException("blip2.max-in-flight must be <= " + ResultPublisher.EMITTER_BUFFER / 2
                    + " (two writes per record must fit the result emitters' buffers), got " + config.maxInFlight());
        }
        limiter = new InFlightLimiter(config.maxInFlight(), Math.max(1, config.maxInFlight() / 4));
        if (config.batchMode() == BatchMode.CONTINUOUS) {
            continuous = new ContinuousHandler();
            workers = BatchWorkers.continuous(config.batchPolicy(), config.joinChunk(), continuous);
        } else {
            workers = new BatchWorkers<>(config.batchPolicy(), new Handler());
        }
        metrics.bindGauges(limiter::inFlight, limiter::maxInFlight, workers::queued);
        Thread.ofPlatform().name("blip2-startup").start(this::start);
    }

    private void start() {
        try {
            runner = new InferenceRunner(engine);
            if (config.batchMode() == BatchMode.CONTINUOUS) {
                Warmup.runContinuous(engine, config.batchPolicy().maxBatchSize());
            } else {
                Warmup.run(runner, engine);
            }
            mapper = new RequestMapper(new WireCodec(), config.requestLimits(), engine.defaultOptions());
            fetcher = new ImageFetcher(config.fetchPolicy());
            fetchPool = Executors.newFixedThreadPool(config.fetchThreads(),
                    Thread.ofPlatform().name("blip2-fetch-", 0).daemon(true).factory());
            fetchLanes = new HostLanes(fetchPool, config.fetchPolicy().maxPerHost());
            delivery = config.delivery() == DeliveryMode.EXACTLY_ONCE ? exactlyOnce.start()
                    : new AtLeastOnceDelivery(publisher);
            // one worker per device: the engine drives one device and takes one batch at a time
            workers.start(1, "blip2-inference");
            subscribe(images, mapper::fromImage);
            subscribe(questions, mapper::fromQuestion);
            state = State.READY;
            LOG.infof("model %s is warm; consuming with at most %d requests in flight, %s", engine.modelName(),
                    config.maxInFlight(), config.delivery().key());
        } catch (RuntimeException | Error e) {
            failure = String.valueOf(e.getMessage());
            state = State.FAILED;
            LOG.error("the service failed to start", e);
        }
    }

    void onStop(@Observes @Priority(1) ShutdownEvent event) throws InterruptedException {
        drain();
    }

    /**
     * Stops taking records, finishes the in-flight batches (the running batch and the queue), writes
     * their results, and only then closes the consumers, so that the offsets of every record it
     * settled are committed as its partitions are revoked. Idempotent: runs on SIGTERM ({@link io.blip2stream.ops.TerminationSignal})
     * before the JVM's shutdown hooks start, and again (as a no-op) on Quarkus' shutdown.
     *
     * @return whether every batch was drained and every record settled within the timeout
     */
    public synchronized boolean drain() throws InterruptedException {
        if (state != State.READY) {
            return state == State.STOPPED;
        }
        state = State.STOPPING;
        limiter.stop();   // no more records are requested; the few already requested are handed back (accept)
        long timeout = config.shutdownTimeoutMs();
        fetchPool.shutdown();
        fetchPool.awaitTermination(timeout, TimeUnit.MILLISECONDS);
        boolean drained = workers.drainAndStop(timeout);
        if (continuous != null) {
            if (drained) {
                continuous.closeSession();   // the worker has stopped: nothing uses the session any more
            } else {
                LOG.warn("the inference worker is still running: its decoding session stays open");
            }
        }
        boolean idle = limiter.awaitIdle(timeout);
        // every record taken is settled: closing the consumers now revokes their partitions, which
        // commits each partition's acked prefix (AckedPrefixCommit) before the group moves them
        synchronized (subscriptions) {
            subscriptions.forEach(Flow.Subscription::cancel);
        }
        delivery.close();
        LOG.infof("stopped: batches drained %s, every record settled %s (%d still in flight)", drained, idle,
                limiter.inFlight());
        state = State.STOPPED;
        return drained && idle;
    }

    public State state() {
        return state;
    }

    /** Why the service failed to start, when it did. */
    public String failure() {
        return failure;
    }

    /** Whether the inference workers and the result writer are running (or not yet started). */
    public boolean workersAlive() {
        return state != State.READY || (workers.alive() && delivery.alive());
    }

    private void subscribe(Multi<Message<byte[]>> channel, RecordMapping mapping) {
        channel.subscribe().withSubscriber(new Flow.Subscriber<Message<byte[]>>() {
            private Object lane;

            @Override
            public void onSubscribe(Flow.Subscription s) {
                synchronized (subscriptions) {
                    subscriptions.add(s);
                }
                lane = limiter.register(s::request);
                limiter.refill();
            }

            @Override
            public void onNext(Message<byte[]> message) {
                limiter.received(lane);
                accept(message, mapping);
            }

            @Override
            public void onError(Throwable t) {
                LOG.error("an input channel failed", t);
            }

            @Override
            public void onComplete() {
                LOG.info("an input channel completed");
            }
        });
    }

    private void accept(Message<byte[]> message, RecordMapping mapping) {
        if (state == State.STOPPING || state == State.STOPPED) {
            // requested before a drain began: handed back unsettled (its offset stays uncommitted,
            // the partition's next owner reads it again), so the drain waits for none of it
            limiter.finished();
            return;
        }
        IncomingRecord record = toRecord(message);
        Ticket ticket = new Ticket(message, record, limiter::finished);
        delivery.received(ticket);
        try {
            long receivedNanos = System.nanoTime();
            switch (mapping.map(record, System.currentTimeMillis(), receivedNanos)) {
                case Mapped.Rejected r -> complete(ticket, ErrorResult.of(r.id(), r.task(), r.error(), record.source()));
                case Mapped.Accepted a when a.request().needsFetch() -> {
                    ticket.request = a.request();
                    fetchLanes.execute(ImageFetcher.laneOf(a.request().imageUrl()), () -> fetchThenQueue(ticket));
                }
                case Mapped.Accepted a -> queue(ticket, a.request());
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "cannot handle record %s", record.source().asId());
            complete(ticket, ErrorResult.of(mapper.idOf(record), Task.CAPTION,
                    new Blip2Exception(ErrorCode.INFERENCE_FAILED, "cannot handle the record: " + e, e),
                    record.source()));
        }
    }

    private void fetchThenQueue(Ticket ticket) {
        ServiceRequest r = ticket.request;
        try {
            queue(ticket, r.withImage(mapper.checkImage(fetcher.fetch(r.imageUrl()))));
        } catch (Blip2Exception e) {
            complete(ticket, ResultFactory.failure(r, e));
        } catch (RuntimeException e) {
            complete(ticket, ResultFactory.failure(r,
                    new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot fetch " + r.imageUrl() + ": " + e, e)));
        }
    }

    private void queue(Ticket ticket, ServiceRequest r) {
        ticket.request = r;
        if (!workers.offer(ticket, r.options().batchKey(), r.receivedNanos(), r.deadlineNanos())) {
            // taken as a drain began: handed back (its offset stays uncommitted, the partition's
            // next owner reads it again)
            ticket.handBack();
        }
    }

    /** Writes the result, then settles the record (see {@link ResultDelivery}). */
    private void complete(Ticket ticket, WireResult result) {
        if (result instanceof ErrorResult e) {
            metrics.error(ErrorCode.valueOf(e.error().code()));
        }
        delivery.deliver(ticket, result);
        announce(ticket.request, result);
    }

    /** Tells the observers of {@link RequestCompleted}; nothing they do reaches the delivery. */
    private void announce(ServiceRequest request, WireResult result) {
        try {
            Double latencyMs = switch (result) {
                case ResultRecord r when r.timingMs() != null -> r.timingMs().total();
                default -> request == null ? null : (System.nanoTime() - request.receivedNanos()) / 1e6;
            };
            completed.fire(new RequestCompleted(result, request == null ? null : question(request.prompt()),
                    request == null ? null : request.image(), latencyMs));
        } catch (RuntimeException e) {
            LOG.debugf(e, "an observer of completed requests failed");
        }
    }

    private static String question(Prompt prompt) {
        return switch (prompt) {
            case Prompt.Caption c -> null;
            case Prompt.Vqa v -> v.question();
            case Prompt.Chat c -> c.question();
            case Prompt.Raw r -> r.text();
            case null -> null;
        };
    }

    private static IncomingRecord toRecord(Message<byte[]> message) {
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordMetadata<byte[], byte[]> meta = message.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record"));
        long ts = meta.getTimestamp() == null ? -1 : meta.getTimestamp().toEpochMilli();
        return new IncomingRecord(new RecordSource(meta.getTopic(), meta.getPartition(), meta.getOffset()), ts,
                meta.getKey(), meta.getHeaders(), message.getPayload());
    }

    /**
     * Prepares batches (on the workers' preparation threads when a full batch waits), runs them on
     * the engine and completes every ticket in them.
     */
    private class Handler implements BatchWorkers.Handler<Ticket, Handler.Staged> {

        /** A batch's tickets and the engine's preparation of their requests. */
        record Staged(List<BatchState.Entry<Ticket>> batch, PreparedBatch prepared) {
        }

        @Override
        public Staged prepare(List<BatchState.Entry<Ticket>> batch) {
            List<InferenceRequest> requests = batch.stream().map(e -> e.item().request.toInference()).toList();
            return new Staged(batch, runner.prepare(requests));
        }

        @Override
        public void failed(List<BatchState.Entry<Ticket>> batch, Throwable why) {
            Blip2Exception error = new Blip2Exception(ErrorCode.INFERENCE_FAILED,
                    "the batch could not be prepared: " + why, why);
            RuntimeException first = null;
            for (BatchState.Entry<Ticket> e : batch) {
                try {
                    complete(e.item(), ResultFactory.failure(e.item().request, error));
                } catch (RuntimeException t) {
                    first = first == null ? t : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }

        @Override
        public void run(Staged staged) {
            List<BatchState.Entry<Ticket>> batch = staged.batch();
            long start = System.nanoTime();
            List<InferenceOutcome> outcomes;
            try {
                outcomes = runner.run(staged.prepared());
            } catch (RuntimeException | Error e) {
                LOG.error("the inference runner failed", e);
                Blip2Exception error = new Blip2Exception(ErrorCode.INFERENCE_FAILED, String.valueOf(e.getMessage()), e);
                outcomes = staged.prepared().requests().stream()
                        .map(r -> (InferenceOutcome) new InferenceOutcome.Failure(r.id(), error)).toList();
            }
            long done = System.nanoTime();
            metrics.batch(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                Ticket ticket = batch.get(i).item();
                complete(ticket, result(ticket.request, outcomes.get(i), start, done));
            }
        }

        WireResult result(ServiceRequest r, InferenceOutcome outcome, long start, long done) {
            return switch (outcome) {
                case InferenceOutcome.Failure f -> ResultFactory.failure(r, f.error());
                case InferenceOutcome.Success s -> {
                    ResultRecord result = ResultFactory.success(r, s, engine.modelName(), start, done);
                    metrics.success(result, s.sequences().stream().mapToInt(q -> q.tokenIds().length).sum(),
                            s.visionCacheHit());
                    yield result;
                }
            };
        }

        @Override
        public void expired(List<BatchState.Entry<Ticket>> expired) {
            long deadlineMs = config.requestLimits().deadlineMs();
            for (BatchState.Entry<Ticket> e : expired) {
                ServiceRequest r = e.item().request;
                complete(e.item(), ResultFactory.failure(r, new Blip2Exception(ErrorCode.DEADLINE_EXCEEDED,
                        "the request was not in a batch within " + deadlineMs + " ms", deadlineMs, null)));
            }
        }
    }

    /**
     * Continuous batching: the worker's running decoding batch is an engine session
     * ({@link DecodingSession}); newcomers are admitted between steps and every request's result is
     * written as soon as it finishes, whatever its batch-mates still do. Offsets are committed below
     * the lowest record not yet settled ({@link AckedPrefixCommit}), so finishing out of order loses
     * nothing.
     *
     * <p>A session that throws (from {@code admit} or {@code step}) is broken: what it holds can no
     * longer come out of it. Every ticket admitted and not yet completed then gets an
     * {@code INFERENCE_FAILED} result, the session is closed and a fresh one takes the next
     * newcomers. Used by the worker thread only; {@link #closeSession} once that thread has stopped.
     */
    private final class ContinuousHandler extends Handler implements BatchWorkers.Stepper<Ticket, Handler.Staged> {
        private final LazySession<Ticket> session =
                new LazySession<>(() -> engine.openSession(config.batchPolicy().maxBatchSize()));
        /** Tickets admitted to {@link #session} and not yet completed, in admission order. */
        private final Set<Ticket> inSession = new LinkedHashSet<>();

        @Override
        public int room() {
            return session.room();
        }

        /** Newcomers' images are decoded and their prompts tokenised ahead, while the batch steps. */
        @Override
        public boolean preparesAhead() {
            return true;
        }

        @Override
        public Staged combine(List<Staged> parts) {
            return new Staged(parts.stream().flatMap(p -> p.batch().stream()).toList(),
                    runner.combine(parts.stream().map(Staged::prepared).toList()));
        }

        @Override
        public int running() {
            return session.requests();
        }

        @Override
        public void admit(Staged staged) {
            List<Ticket> keys = staged.batch().stream().map(BatchState.Entry::item).toList();
            long now = System.nanoTime();
            keys.forEach(t -> t.startedNanos = now);
            inSession.addAll(keys);
            List<DecodingSession.Completed<Ticket>> failed;
            try {
                failed = session.admit(keys, staged.prepared());
            } catch (RuntimeException | Error e) {
                sessionFailed("admitting " + keys.size() + " newcomers", e);
                return;
            }
            completeAll(failed);
        }

        @Override
        public void step() {
            if (session.requests() == 0) {
                return;
            }
            metrics.batch(session.requests());
            List<DecodingSession.Completed<Ticket>> done;
            try {
                done = session.step();
            } catch (RuntimeException | Error e) {
                sessionFailed("in a decoding step", e);
                return;
            }
            completeAll(done);
        }

        private void completeAll(List<DecodingSession.Completed<Ticket>> done) {
            long now = System.nanoTime();
            for (DecodingSession.Completed<Ticket> c : done) {
                Ticket t = c.key();
                inSession.remove(t);
                try {
                    complete(t, result(t.request, c.outcome(), t.startedNanos, now));
                } catch (RuntimeException e) {
                    // one record's delivery failing must not keep its batch-mates' results back
                    LOG.errorf(e, "cannot complete record %s", t.record.source().asId());
                }
            }
        }

        /** The session threw: every ticket it held fails, and the next use opens a fresh session. */
        private void sessionFailed(String what, Throwable e) {
            List<Ticket> lost = List.copyOf(inSession);
            inSession.clear();
            LOG.errorf(e, "the decoding session failed %s; its %d requests fail and a fresh session takes the next",
                    what, lost.size());
            closeSession();
            Blip2Exception error = new Blip2Exception(ErrorCode.INFERENCE_FAILED,
                    "the decoding batch failed: " + e.getMessage(), e);
            RuntimeException first = null;
            for (Ticket t : lost) {
                try {
                    complete(t, ResultFactory.failure(t.request, error));
                } catch (RuntimeException failed) {
                    first = first == null ? failed : first;
                }
            }
            if (first != null) {
                throw first;
            }
        }

        /** Closes the session, if one is open; on the worker thread, or once it has stopped. */
        void closeSession() {
            try {
                session.close();
            } catch (RuntimeException | Error e) {
                LOG.warn("closing the decoding session failed", e);
            }
        }
    }
}
