package io.blip2stream.ops;

import io.blip2stream.messaging.StreamService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Live unless start-up failed or an inference worker thread has died. */
@Liveness
@ApplicationScoped
public class WorkerLivenessCheck implements HealthCheck {

    @Inject
    StreamService service;

    @Override
    public HealthCheckResponse call() {
        boolean live = service.state() != StreamService.State.FAILED && service.workersAlive();
        return HealthCheckResponse.named("blip2-workers")
                .status(live)
                .withData("state", service.state().name())
                .build();
    }
}
