package io.blip2stream.pipeline;

import java.util.List;
import java.util.function.Supplier;

/**
 * A {@link DecodingSession} opened on first use, on the thread that uses it (the inference
 * worker's), and opened afresh after {@link #close()}: what a worker holds when its session may be
 * replaced. Before it is open it holds no request and its steps finish nothing.
 *
 * @param <K> the caller's handle of a request
 */
public final class LazySession<K> implements DecodingSession<K> {
    private final Supplier<DecodingSession<K>> open;
    private DecodingSession<K> session;

    public LazySession(Supplier<DecodingSession<K>> open) {
        this.open = open;
    }

    private DecodingSession<K> session() {
        if (session == null) {
            session = open.get();
        }
        return session;
    }

    @Override
    public int room() {
        return session().room();
    }

    @Override
    public int requests() {
        return session == null ? 0 : session.requests();
    }

    @Override
    public List<Completed<K>> admit(List<K> keys, PreparedBatch batch) {
        return session().admit(keys, batch);
    }

    @Override
    public List<Completed<K>> step() {
        return session == null ? List.of() : session.step();
    }

    /** Closes the session if one is open; the next use opens a fresh one. */
    @Override
    public void close() {
        DecodingSession<K> s = session;
        session = null;
        if (s != null) {
            s.close();
        }
    }
}
