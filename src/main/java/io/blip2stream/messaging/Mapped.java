package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.Task;

/** A consumed record after mapping: a request to serve, or an error to report. */
public sealed interface Mapped {

    String id();

    Task task();

    record Accepted(ServiceRequest request) implements Mapped {
        @Override
        public String id() {
            return request.id();
        }

        @Override
        public Task task() {
            return request.task();
        }
    }

    record Rejected(String id, Task task, Blip2Exception error) implements Mapped {
    }
}
