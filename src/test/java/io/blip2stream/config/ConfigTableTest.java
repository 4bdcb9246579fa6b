package io.blip2stream.config;

import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Blip2Config} is the one definition of the {@code blip2.*} settings: application.properties
 * binds no other key and repeats its defaults exactly, and src/docs/service.md's configuration
 * table is the one generated here from the mapping (on a difference the message holds the table
 * to paste between the markers).
 */
class ConfigTableTest {

    private static final Path PROPERTIES = Path.of("src/main/resources/application.properties");
    private static final Path SERVICE_MD = Path.of("src/docs/service.md");
    private static final String START = "<!-- blip2-config:start (generated from Blip2Config by ConfigTableTest) -->";
    private static final String END = "<!-- blip2-config:end -->";
    private static final Pattern ENV_REF = Pattern.compile("^\\$\\{([A-Z][A-Z0-9_]*):([^}]*)}$");
    /** Internal maps of application.properties, not settings an operator sets. */
    private static final Set<String> MAPS = Set.of("blip2.kafka.commit-strategy", "blip2.kafka.isolation-level");

    /** One leaf of the mapping. */
    record Setting(String key, String defaultValue, String doc) {
    }

    static List<Setting> settings() {
        List<Setting> out = new ArrayList<>();
        collect(Blip2Config.class, "blip2", out);
        out.sort(Comparator.comparing(Setting::key));
        return out;
    }

    private static void collect(Class<?> group, String prefix, List<Setting> out) {
        Method[] methods = group.getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String key = prefix + "." + kebab(m.getName());
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() == Blip2Config.class) {
                collect(type, key, out);
            } else if (!Map.class.isAssignableFrom(type)) {
                WithDefault d = m.getAnnotation(WithDefault.class);
                Doc doc = m.getAnnotation(Doc.class);
                out.add(new Setting(key, d == null ? null : d.value(), doc == null ? null : doc.value()));
            }
        }
    }

    private static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static Properties properties() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(PROPERTIES)) {
            p.load(r);
        }
        return p;
    }

    @Test
    void everySettingHasADocAndEitherADefaultOrIsOptional() throws NoSuchMethodException {
        assertThat(settings()).hasSizeGreaterThan(30).allSatisfy(s -> assertThat(s.doc()).as(s.key()).isNotBlank());
        assertThat(settings()).filteredOn(s -> s.defaultValue() == null).extracting(Setting::key)
                .containsExactlyInAnyOrder("blip2.fetch.allowed-hosts", "blip2.fetch.allowed-networks", "blip2.fetch.file-root");
        assertThat(Blip2Config.Fetch.class.getMethod("fileRoot").getReturnType()).isEqualTo(Optional.class);
    }

    @Test
    void applicationPropertiesBindsOnlyMappedKeysWithTheMappingsDefaults() throws IOException {
        Map<String, Setting> byKey = new TreeMap<>();
        settings().forEach(s -> byKey.put(s.key(), s));
        Properties p = properties();
        List<String> checked = new ArrayList<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            if (!key.startsWith("blip2.") || MAPS.stream().anyMatch(key::startsWith)) {
                continue;
            }
            assertThat(byKey).as("application.properties key %s is in Blip2Config", key).containsKey(key);
            String value = p.getProperty(key).trim();
            Matcher env = ENV_REF.matcher(value);
            String written = env.matches() ? env.group(2) : value;
            String expected = byKey.get(key).defaultValue();
            assertThat(written).as("default of %s in application.properties", key).isEqualTo(expected == null ? "" : expected);
            checked.add(key);
        }
        assertThat(checked).contains("blip2.image.max-bytes", "blip2.bundle", "blip2.delivery", "blip2.fetch.file-root");
    }

    @Test
    void serviceMdTableIsTheGeneratedOne() throws IOException {
        Properties p = properties();
        StringBuilder table = new StringBuilder("| key | environment variable | default | meaning |\n|---|---|---|---|\n");
        for (Setting s : settings()) {
            String value = p.getProperty(s.key(), "").trim();
            Matcher env = ENV_REF.matcher(value);
            table.append("| `").append(s.key()).append("` | ")
                    .append(env.matches() ? "`" + env.group(1) + "`" : "—")
                    .append(" | ").append(s.defaultValue() == null || s.defaultValue().isEmpty() ? "(none)" : "`" + s.defaultValue() + "`")
                    .append(" | ").append(s.doc().replace("|", "\\|")).append(" |\n");
        }
        String md = Files.readString(SERVICE_MD);
        int start = md.indexOf(START);
        int end = md.indexOf(END);
        assertThat(start).as("marker in %s", SERVICE_MD).isNotNegative();
        assertThat(end).as("marker in %s", SERVICE_MD).isGreaterThan(start);

        assertThat(md.substring(start + START.length(), end).strip())
                .as("the table between the markers of %s; expected:%n%s", SERVICE_MD, table)
                .isEqualTo(table.toString().strip());
    }
}
