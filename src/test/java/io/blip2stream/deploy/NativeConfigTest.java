package io.blip2stream.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The GraalVM native-image registrations in native/ checked against the real jars and JNI
 * libraries on the classpath: what can be verified without building a native executable.
 */
class NativeConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ORT_JNI = "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so";
    private static final String TOKENIZERS_JNI = "native/lib/linux-x86_64/cpu/libtokenizers.so";

    private static JsonNode jni;
    private static JsonNode reflection;
    private static JsonNode resources;

    @BeforeAll
    static void load() throws IOException {
        jni = JSON.readTree(Path.of("native/jni-config.json").toFile());
        reflection = JSON.readTree(Path.of("native/reflect-config.json").toFile());
        resources = JSON.readTree(Path.of("native/resource-config.json").toFile());
    }

    @Test
    void everyRegisteredClassAndConstructorExists() {
        List<JsonNode> entries = new ArrayList<>();
        jni.forEach(entries::add);
        reflection.forEach(entries::add);

        assertThat(entries).hasSizeGreaterThan(10).allSatisfy(e -> {
            Class<?> type = load(e.path("name").asText());
            for (JsonNode m : e.path("methods")) {
                assertThat(m.path("name").asText()).isEqualTo("<init>");
                Class<?>[] params = new Class<?>[m.path("parameterTypes").size()];
                for (int i = 0; i < params.length; i++) {
                    params[i] = load(m.path("parameterTypes").get(i).asText());
                }
                Constructor<?> c = type.getDeclaredConstructor(params);
                assertThat(c).isNotNull();
            }
        });
    }

    /**
     * Every class the JNI libraries look up by name (FindClass / GetMethodID strings in the
     * binaries) is registered; a missing one fails only at run time in a native executable.
     */
    @ParameterizedTest
    @ValueSource(strings = {ORT_JNI, TOKENIZERS_JNI})
    void everyClassTheJniLibraryLooksUpIsRegistered(String library) throws IOException {
        String text = binaryText(library);
        Set<String> registered = new HashSet<>();
        jni.forEach(e -> registered.add(e.path("name").asText().replace('.', '/')));
        List<String> unregistered = new ArrayList<>();
        Matcher m = Pattern.compile("(ai/onnxruntime|ai/djl|java/lang)/[A-Za-z0-9_/$]+").matcher(text);
        int lookups = 0;
        while (m.find()) {
            String found = m.group();
            if (found.startsWith("ai/onnxruntime/native")) {
                continue;
            }
            lookups++;
            // strings in Rust binaries are not NUL-terminated: a registered name must start here
            if (registered.stream().noneMatch(r -> found.equals(r) || found.startsWith(r) && !library.equals(ORT_JNI))) {
                unregistered.add(found);
            }
        }

        assertThat(lookups).isPositive();
        assertThat(unregistered).isEmpty();
    }

    /** Every constructor signature the ONNX Runtime JNI library calls is registered. */
    @Test
    void everyConstructorTheOrtJniLibraryCallsIsRegistered() throws Exception {
        String text = binaryText(ORT_JNI);
        Set<String> registered = new HashSet<>();
        for (JsonNode e : jni) {
            Class<?> type = load(e.path("name").asText());
            for (JsonNode m : e.path("methods")) {
                Class<?>[] params = new Class<?>[m.path("parameterTypes").size()];
                for (int i = 0; i < params.length; i++) {
                    params[i] = load(m.path("parameterTypes").get(i).asText());
                }
                registered.add(descriptor(type.getDeclaredConstructor(params)));
            }
        }
        Matcher m = Pattern.compile("\\(([\\[A-Za-z0-9_/;$]*)\\)V(?=\\x00)").matcher(text);
        List<String> called = new ArrayList<>();
        while (m.find()) {
            called.add(m.group());
        }

        assertThat(called).hasSizeGreaterThanOrEqualTo(10);
        assertThat(registered).containsAll(called);
    }

    @Test
    void everyResourcePatternNamesAResourceOnTheClasspath() {
        List<String> literals = new ArrayList<>();
        resources.at("/resources/includes").forEach(p -> literals.add(p.path("pattern").asText()));

        assertThat(literals).contains("\\Q" + ORT_JNI + "\\E", "\\Q" + TOKENIZERS_JNI + "\\E").allSatisfy(p -> {
            assertThat(p).startsWith("\\Q").endsWith("\\E");
            String name = p.substring(2, p.length() - 2);
            assertThat(getClass().getClassLoader().getResource(name)).as(name).isNotNull();
        });
    }

    @Test
    void nativeProfilePointsNativeImageAtTheseFilesAndInitialisesTheJniLoadersAtRunTime() throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        NodeList profiles = doc.getElementsByTagName("profile");
        String args = null;
        for (int i = 0; i < profiles.getLength(); i++) {
            Element p = (Element) profiles.item(i);
            if (p.getElementsByTagName("id").item(0).getTextContent().equals("native")) {
                args = p.getElementsByTagName("quarkus.native.additional-build-args").item(0).getTextContent();
                assertThat(p.getElementsByTagName("quarkus.native.enabled").item(0).getTextContent()).isEqualTo("true");
            }
        }

        assertThat(args).isNotNull().contains("-H:ConfigurationFileDirectories=${project.basedir}/native");
        Matcher init = Pattern.compile("--initialize-at-run-time=((?:[^,\\\\]|\\\\,)+)").matcher(args);
        assertThat(init.find()).isTrue();
        List<String> packages = List.of(init.group(1).split("\\\\,"));
        assertThat(packages).contains("ai.onnxruntime", "ai.djl.huggingface.tokenizers.jni");
        assertThat(packages).allSatisfy(pkg -> assertThat(getClass().getClassLoader().getResource(pkg.replace('.', '/')))
                .as("package %s", pkg).isNotNull());
    }

    @Test
    void readmeSaysHowToBuildAndWhatWasNotRun() throws IOException {
        String readme = Files.readString(Path.of("native/README.md"));

        assertThat(readme).contains("mvn -Pnative package").containsIgnoringCase("not run");
    }

    private static String binaryText(String resource) throws IOException {
        try (InputStream in = NativeConfigTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static Class<?> load(String name) {
        return switch (name) {
            case "int" -> int.class;
            case "long" -> long.class;
            case "boolean" -> boolean.class;
            case "float" -> float.class;
            default -> {
                try {
                    if (name.endsWith("[]")) {
                        yield load(name.substring(0, name.length() - 2)).arrayType();
                    }
                    yield Class.forName(name.startsWith("[") ? name : name, false, NativeConfigTest.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new AssertionError(name + " is not on the classpath", e);
                }
            }
        };
    }

    private static String descriptor(Constructor<?> c) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : c.getParameterTypes()) {
            sb.append(p.descriptorString());
        }
        return sb.append(")V").toString();
    }
}
