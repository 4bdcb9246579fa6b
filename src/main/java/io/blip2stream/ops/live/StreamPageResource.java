package io.blip2stream.ops.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.config.Blip2Config;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.ServiceUnavailableException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live page: {@code GET /stream} (HTML), its script and style, and {@code GET /stream/events},
 * server-sent events: {@code entry} (one {@link LiveEntry}, JSON; on connect the entries held so
 * far, oldest first) and {@code stats} ({@link LiveStats}, JSON, every second). The page builds
 * its DOM from text nodes only, and its Content-Security-Policy allows no inline script and no
 * image but the data URLs of the thumbnails. At most {@code blip2.stream-page.max-clients}
 * clients at once (503 beyond); a client that falls more than the held entries plus {@link #MAX_PENDING} events behind is dropped
 * (its browser reconnects and gets the held entries again).
 */
@Path("/stream")
public class StreamPageResource {

    static final int MAX_PENDING = 64;
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final ObjectMapper json = new ObjectMapper();
    private final AtomicInteger clients = new AtomicInteger();

    @Inject
    LiveFeed feed;

    @Inject
    Blip2Config config;

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response page() {
        return asset("index.html", "text/html; charset=utf-8");
    }

    @GET
    @Path("app.js")
    public Response script() {
        return asset("app.js", "text/javascript; charset=utf-8");
    }

    @GET
    @Path("style.css")
    public Response style() {
        return asset("style.css", "text/css; charset=utf-8");
    }

    @GET
    @Path("events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@Context SseEventSink sink, @Context Sse sse) {
        if (!feed.enabled()) {
            throw new NotFoundException();
        }
        int maxClients = config.streamPage().maxClients();
        if (clients.incrementAndGet() > maxClients) {
            clients.decrementAndGet();
            throw new ServiceUnavailableException("the live page serves at most " + maxClients + " clients at once");
        }
        new Client(sink, sse).open();
    }

    private Response asset(String name, String type) {
        if (!feed.enabled()) {
            throw new NotFoundException();
        }
        try (InputStream in = StreamPageResource.class.getResourceAsStream("/stream/" + name)) {
            if (in == null) {
                throw new NotFoundException();
            }
            return Response.ok(in.readAllBytes(), type)
                    .header("Content-Security-Policy", CSP)
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Referrer-Policy", "no-referrer")
                    .header("Cache-Control", "no-store")
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One browser: its sink, its registration with the feed, and how many of its events are not yet written. */
    private final class Client implements LiveFeed.Listener {
        private final SseEventSink sink;
        private final Sse sse;
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile LiveFeed.Subscription subscription;

        Client(SseEventSink sink, Sse sse) {
            this.sink = sink;
            this.sse = sse;
        }

        void open() {
            stats(feed.stats());
            subscription = feed.subscribe(this);
            if (closed.get()) {
                subscription.close();
            }
        }

        @Override
        public void entry(LiveEntry entry) {
            send(sse.newEventBuilder().name("entry").id(Long.toString(entry.seq())).data(write(entry))
                    .reconnectDelay(2000).build());
        }

        @Override
        public void stats(LiveStats stats) {
            send(sse.newEventBuilder().name("stats").data(write(stats)).build());
        }

        private void send(OutboundSseEvent event) {
            if (closed.get()) {
                return;
            }
            if (sink.isClosed() || pending.incrementAndGet() > feed.capacity() + MAX_PENDING) {
                close();
                return;
            }
            sink.send(event).whenComplete((ok, failure) -> {
                pending.decrementAndGet();
                if (failure != null) {
                    close();
                }
            });
        }

        private void close() {
            if (closed.compareAndSet(false, true)) {
                clients.decrementAndGet();
                LiveFeed.Subscription s = subscription;
                if (s != null) {
                    s.close();
                }
                try {
                    sink.close();
                } catch (RuntimeException e) {
                    // the connection is gone already
                }
            }
        }
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
