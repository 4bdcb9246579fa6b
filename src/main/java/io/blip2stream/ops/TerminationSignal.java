package io.blip2stream.ops;

import io.blip2stream.messaging.StreamService;
import io.blip2stream.pipeline.InferenceEngine;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import sun.misc.Signal;

/**
 * Drains before the JVM shuts down. ONNX Runtime's Java library frees its native environment in
 * a JVM shutdown hook of its own, which runs concurrently with Quarkus' hook: a batch still
 * running while the service drains there could crash in native code. So SIGTERM (and SIGINT) are
 * handled here first: stop consuming, finish in-flight batches, publish their results, close the
 * engine, and only then exit, which starts the shutdown hooks with no inference left running.
 * Installed for the packaged application only (tests keep the JVM's default handling).
 */
@ApplicationScoped
public class TerminationSignal {
    private static final Logger LOG = Logger.getLogger(TerminationSignal.class);

    @Inject
    StreamService service;

    @Inject
    InferenceEngine engine;

    void install(@Observes StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), this::onSignal);
            } catch (IllegalArgumentException e) {
                LOG.debugf("signal %s cannot be handled here: %s", name, e.getMessage());
            }
        }
    }

    private void onSignal(Signal signal) {
        Thread.ofPlatform().name("blip2-drain").start(() -> {
            LOG.infof("SIG%s: draining before exit", signal.getName());
            int status = 0;
            try {
                if (!service.drain()) {
                    status = 1;
                }
                engine.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = 1;
            } catch (RuntimeException e) {
                LOG.error("draining failed", e);
                status = 1;
            }
            System.exit(status);
        });
    }
}
