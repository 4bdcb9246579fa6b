package io.blip2stream.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The service's own configuration contract, read from src/main/resources/application.properties:
 * for each key written as {@code ${ENV_NAME:default}}, the environment variable and its default.
 */
record ServiceProperties(Map<String, String> raw, Map<String, String> envByKey, Map<String, String> defaultByEnv) {

    static final Path FILE = Path.of("src/main/resources/application.properties");
    private static final Pattern ENV_REF = Pattern.compile("^\\$\\{([A-Z][A-Z0-9_]*):([^}]*)}$");

    static ServiceProperties load() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(FILE)) {
            p.load(r);
        }
        Map<String, String> raw = new LinkedHashMap<>();
        Map<String, String> envByKey = new LinkedHashMap<>();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            String value = p.getProperty(key).trim();
            raw.put(key, value);
            Matcher m = ENV_REF.matcher(value);
            if (m.matches()) {
                envByKey.put(key, m.group(1));
                defaults.put(m.group(1), m.group(2));
            }
        }
        return new ServiceProperties(raw, envByKey, defaults);
    }

    /** The default value of a key written as {@code ${ENV:default}} (or its plain value). */
    String defaultOf(String key) {
        String env = envByKey.get(key);
        if (env != null) {
            return defaultByEnv.get(env);
        }
        String v = raw.get(key);
        if (v == null) {
            throw new IllegalStateException(key + " is not in " + FILE);
        }
        return v;
    }

    /** The environment variable that sets {@code key}. */
    String envOf(String key) {
        String env = envByKey.get(key);
        if (env == null) {
            throw new IllegalStateException(key + " in " + FILE + " has no ${ENV:default} form");
        }
        return env;
    }
}
