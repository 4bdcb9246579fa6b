package io.blip2stream.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;

/**
 * A SmallRye config builder that reads {@link Blip2Config} as the Quarkus service does, for code
 * that runs without booting Quarkus (the commands, tests): durations such as {@code "200ms"} and
 * {@code "1s"} (Quarkus' converter) as well as ISO-8601.
 */
public final class ConfigBuilders {

    /** Above SmallRye's own Duration converter (ISO-8601 only). */
    private static final int DURATION_PRIORITY = 200;

    private ConfigBuilders() {
    }

    /** A builder with the {@link Blip2Config} mapping and Quarkus' duration converter; add sources. */
    public static SmallRyeConfigBuilder blip2() {
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, DURATION_PRIORITY, new DurationConverter())
                .withMapping(Blip2Config.class);
    }
}
