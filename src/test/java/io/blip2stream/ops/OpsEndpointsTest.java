package io.blip2stream.ops;

import io.blip2stream.messaging.KafkaBrokerResource;
import io.blip2stream.messaging.StreamService;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Readiness after warm-up, liveness, and the service's meters on /q/metrics. */
@QuarkusTest
@WithTestResource(value = KafkaBrokerResource.class, scope = TestResourceScope.GLOBAL)
class OpsEndpointsTest {

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @TestHTTPResource("/q/health/live")
    URL live;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Inject
    StreamService service;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(URL url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyOnlyAfterWarmUpAndLive() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);
        await().atMost(Duration.ofSeconds(60)).until(() -> get(ready).statusCode() == 200);

        HttpResponse<String> r = get(ready);
        assertThat(r.body()).contains("blip2-model").contains("READY");
        HttpResponse<String> l = get(live);
        assertThat(l.statusCode()).isEqualTo(200);
        assertThat(l.body()).contains("blip2-workers");
    }

    @Test
    void metricsArePublished() throws Exception {
        await().atMost(Duration.ofSeconds(120)).until(() -> service.state() == StreamService.State.READY);

        HttpResponse<String> m = get(metrics);

        assertThat(m.statusCode()).isEqualTo(200);
        assertThat(m.body()).contains(
                "blip2_requests_in_flight ",
                "blip2_requests_in_flight_max ",
                "blip2_queue_depth ",
                "blip2_batch_size_count",
                "blip2_stage_seconds_count{stage=\"vision\"",
                "blip2_tokens_generated_total",
                "blip2_errors_total{code=\"IMAGE_TOO_LARGE\"",
                "blip2_results_total{task=\"caption\"",
                "blip2_vision_cache_total{result=\"hit\"",
                "blip2_offset_commits_total{outcome=\"committed\"",
                "blip2_offset_commit_seconds_count",
                "blip2_engine_vision_images_total",
                "blip2_engine_prefill_rows_total",
                "blip2_engine_decode_steps_total",
                "blip2_engine_decode_rows_total",
                "blip2_engine_decode_seconds_total",
                "blip2_engine_reorder_seconds_total");
    }
}
