package io.blip2stream.ops;

import io.blip2stream.messaging.StreamService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the model is loaded, one warm-up inference has run and consuming has begun. */
@Readiness
@ApplicationScoped
public class ModelReadinessCheck implements HealthCheck {

    @Inject
    StreamService service;

    @Override
    public HealthCheckResponse call() {
        StreamService.State state = service.state();
        var response = HealthCheckResponse.named("blip2-model")
                .status(state == StreamService.State.READY)
                .withData("state", state.name());
        if (state == StreamService.State.FAILED) {
            response.withData("failure", service.failure());
        }
        return response.build();
    }
}
