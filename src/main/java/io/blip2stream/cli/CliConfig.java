package io.blip2stream.cli;

import io.blip2stream.config.Blip2Config;
import io.blip2stream.config.ConfigBuilders;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;

/**
 * The application's configuration for commands that run without booting Quarkus: the packaged
 * {@code application.properties} with its {@code ${ENV_VAR:default}} expressions, under system
 * properties and environment variables — the same names, defaults and {@link Blip2Config} tree
 * the service reads.
 */
final class CliConfig {

    /** Below system properties (400) and environment variables (300), as in Quarkus. */
    private static final int APPLICATION_PROPERTIES_ORDINAL = 250;

    private CliConfig() {
    }

    static SmallRyeConfig load() {
        SmallRyeConfigBuilder builder = ConfigBuilders.blip2().addDefaultSources().addDefaultInterceptors();
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
