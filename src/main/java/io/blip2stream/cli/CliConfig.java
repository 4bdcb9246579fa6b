package io.blip2stream.cli;

import io.blip2stream.config.Blip2Config;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.time.Duration;

/**
 * The application's configuration for commands that run without booting Quarkus: the packaged
 * {@code application.properties} with its {@code ${ENV_VAR:default}} expressions, under system
 * properties and environment variables — the same names, defaults and {@link Blip2Config} tree
 * the service reads.
 */
final class CliConfig {

    /** Below system properties (400) and environment variables (300), as in Quarkus. */
    private static final int APPLICATION_PROPERTIES_ORDINAL = 250;
    /** Above SmallRye's own Duration converter (ISO-8601 only). */
    private static final int DURATION_PRIORITY = 200;

    private CliConfig() {
    }

    static SmallRyeConfig load() {
        // durations as Quarkus reads them in the service ("200ms", "1s", or ISO-8601)
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().addDefaultSources().addDefaultInterceptors()
                .withConverter(Duration.class, DURATION_PRIORITY, new DurationConverter())
                .withMapping(Blip2Config.class);
        URL properties = CliConfig.class.getClassLoader().getResource("application.properties");
        if (properties != null) {
            try {
                builder.withSources(new PropertiesConfigSource(properties, APPLICATION_PROPERTIES_ORDINAL));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + properties, e);
            }
        }
        return builder.build();
    }

    /** The {@code blip2.*} settings. */
    static Blip2Config settings() {
        return load().getConfigMapping(Blip2Config.class);
    }
}
