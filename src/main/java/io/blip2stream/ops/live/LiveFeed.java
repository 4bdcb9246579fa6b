package io.blip2stream.ops.live;

import io.blip2stream.api.ErrorResult;
import io.blip2stream.batching.CpuPriority;
import io.blip2stream.config.Blip2Config;
import io.blip2stream.messaging.RequestCompleted;
import io.blip2stream.imaging.ImageLimits;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the live page ({@code /stream}) shows: the last {@code blip2.stream-page.entries} requests
 * and the stream's figures. It observes {@link RequestCompleted} and only queues the event there
 * (bounded: at most {@link #QUEUE} events and {@link #QUEUE_BYTES} image bytes waiting); one
 * thread of its own makes the thumbnails and entries and tells the page's clients. When that
 * thread (at nice {@link #NICE}) falls behind, events are counted ({@link LiveStats#skipped}) and
 * not shown; the service never waits for the page. Memory is bounded by the ring of entries, the queue and one figure
 * per second of the rate window.
 */
@ApplicationScoped
public class LiveFeed {

    private static final Logger LOG = Logger.getLogger(LiveFeed.class);

    static final int QUEUE = 32;
    /** The nice value of the page's thread (Linux): below the inference thread and the batch preparation (nice 10). */
    static final int NICE = 15;
    static final long QUEUE_BYTES = 32L * 1024 * 1024;

    /** What a client of the page receives. */
    public interface Listener {
        void entry(LiveEntry entry);

        void stats(LiveStats stats);
    }

    /** A listener's registration; {@link #close()} ends it. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private record Pending(RequestCompleted event, long at, boolean withImage) {
    }

    @Inject
    Blip2Config config;

    @Inject
    MeterRegistry registry;

    private boolean enabled;
    private int capacity;

    private final ArrayDeque<LiveEntry> ring = new ArrayDeque<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong results = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final RateWindow rate = new RateWindow(10);
    private long seq;
    private Thumbnails thumbnails;
    private Thread worker;
    private ScheduledExecutorService ticker;

    @PostConstruct
    void start() {
        Blip2Config.StreamPage page = config.streamPage();
        start(page.enabled(), page.entries(), page.thumbnailSide(), new ImageLimits(config.image().maxBytes(),
                config.image().maxPixels(), config.image().maxSide()));
    }

    /** Starts the feed's threads, when it is enabled; thumbnails are decoded within {@code limits}. */
    void start(boolean enabled, int capacity, int thumbnailSide, ImageLimits limits) {
        this.enabled = enabled;
        this.capacity = capacity;
        if (!enabled) {
            return;
        }
        if (capacity < 1 || capacity > 1000) {
            throw new IllegalArgumentException("blip2.stream-page.entries must be 1..1000, got " + capacity);
        }
        thumbnails = new Thumbnails(limits, thumbnailSide);
        worker = Thread.ofPlatform().name("blip2-stream-page").daemon(true).start(this::work);
        ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("blip2-stream-page-stats").daemon(true).factory());
        ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        if (worker != null) {
            worker.interrupt();
            ticker.shutdownNow();
        }
    }

    public boolean enabled() {
        return enabled;
    }

    void completed(@Observes RequestCompleted event) {
        long now = System.currentTimeMillis();
        results.incrementAndGet();
        if (event.result() instanceof ErrorResult) {
            errors.incrementAndGet();
        }
        rate.add(now);
        if (!enabled) {
            return;
        }
        int bytes = event.image() == null ? 0 : event.image().length;
        boolean withImage = bytes > 0 && queuedBytes.addAndGet(bytes) <= QUEUE_BYTES;
        if (bytes > 0 && !withImage) {
            queuedBytes.addAndGet(-bytes);
        }
        if (!queue.offer(new Pending(event, now, withImage))) {
            if (withImage) {
                queuedBytes.addAndGet(-bytes);
            }
            skipped.incrementAndGet();
        }
    }

    private void work() {
        // the page's thread yields the CPU to inference and batch preparation
        CpuPriority.lowerCurrentThread(NICE);
        while (!Thread.currentThread().isInterrupted()) {
            Pending p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                String thumb = null;
                if (p.withImage()) {
                    try {
                        thumb = thumbnails.dataUrl(p.event().image()).orElse(null);
                    } finally {
                        queuedBytes.addAndGet(-p.event().image().length);
                    }
                }
                add(p, thumb);
            } catch (RuntimeException e) {
                LOG.debugf(e, "the live page could not show a result");
            }
        }
    }

    private void add(Pending p, String thumbnail) {
        LiveEntry entry;
        synchronized (ring) {
            entry = LiveEntry.of(++seq, p.at(), p.event(), thumbnail);
            if (ring.size() == capacity) {
                ring.removeFirst();
            }
            ring.addLast(entry);
            for (Listener l : listeners) {
                send(l, entry);
            }
        }
    }

    private static void send(Listener l, LiveEntry entry) {
        try {
            l.entry(entry);
        } catch (RuntimeException e) {
            LOG.debugf(e, "a live page client failed");
        }
    }

    private void tick() {
        if (listeners.isEmpty()) {
            return;
        }
        LiveStats s = stats();
        for (Listener l : listeners) {
            try {
                l.stats(s);
            } catch (RuntimeException e) {
                LOG.debugf(e, "a live page client failed");
            }
        }
    }

    /**
     * Registers a listener and gives it the entries held now, oldest first; every later entry
     * follows in order, none missed or given twice.
     */
    public Subscription subscribe(Listener listener) {
        synchronized (ring) {
            ring.forEach(e -> send(listener, e));
            listeners.add(listener);
        }
        return () -> listeners.remove(listener);
    }

    /** How many entries the feed holds at most. */
    public int capacity() {
        return capacity;
    }

    public int listeners() {
        return listeners.size();
    }

    /** The entries held now, oldest first. */
    public List<LiveEntry> entries() {
        synchronized (ring) {
            return List.copyOf(ring);
        }
    }

    public LiveStats stats() {
        return new LiveStats(Math.round(rate.perSecond(System.currentTimeMillis()) * 100) / 100.0, results.get(),
                errors.get(), gauge("blip2.queue.depth"), gauge("blip2.requests.in.flight"), skipped.get());
    }

    private long gauge(String name) {
        Gauge g = registry.find(name).gauge();
        return g == null || !Double.isFinite(g.value()) ? 0 : (long) g.value();
    }
}
