package io.blip2stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packages of src/main/java form a one-way stack (src/docs/code-structure.md): a package uses
 * only packages of its own layer or of layers below it, and the package graph has no loop. Read
 * from the sources as text (imports, fully qualified names, and same-package class names), so the
 * check needs no library and sees exactly what the compiler sees.
 */
class PackageLayersTest {

    /** Top to bottom; names relative to {@code io.blip2stream}. */
    static final List<Set<String>> LAYERS = List.of(
            Set.of("cli"),
            Set.of("ops", "ops.topics", "ops.live"),
            Set.of("messaging"),
            Set.of("config"),
            Set.of("pipeline", "pipeline.generate", "pipeline.preprocess", "batching"),
            Set.of("onnx", "onnx.capi", "imaging", "imaging.webp"),
            Set.of("api", "model"));

    /** Packages whose classes must not use each other in a loop either (small, self-contained libraries). */
    static final Set<String> NO_CLASS_LOOPS = Set.of("imaging", "imaging.webp", "onnx.capi", "pipeline.preprocess");

    private static final String ROOT = "io.blip2stream";
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile("\\bio\\.blip2stream((?:\\.[a-z0-9_]+)*)\\.([A-Z]\\w*)");
    private static final Pattern NOISE = Pattern.compile(
            "/\\*.*?\\*/|//[^\\n]*|\"\"\"(?s:.*?)\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\])'", Pattern.DOTALL);

    /** Class (package-relative "pkg.Name") to the classes of this code base it names. */
    private static final Map<String, Set<String>> CLASS_DEPS = new TreeMap<>();

    @BeforeAll
    static void scan() throws IOException {
        Map<String, String> bodies = new LinkedHashMap<>();
        Map<String, Set<String>> classesOf = new HashMap<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String src = Files.readString(f);
                Matcher m = PACKAGE.matcher(src);
                assertThat(m.find()).as("package line of %s", f).isTrue();
                String pkg = relative(m.group(1));
                String name = f.getFileName().toString().replace(".java", "");
                bodies.put(pkg + "." + name, NOISE.matcher(src).replaceAll(" "));
                classesOf.computeIfAbsent(pkg, k -> new TreeSet<>()).add(name);
            }
        }
        for (Map.Entry<String, String> e : bodies.entrySet()) {
            String cls = e.getKey();
            String pkg = packageOf(cls);
            Set<String> deps = new TreeSet<>();
            Matcher q = QUALIFIED.matcher(e.getValue());
            while (q.find()) {
                deps.add(relative(ROOT + q.group(1)) + "." + q.group(2));
            }
            String code = e.getValue().replaceAll("(?m)^import .*$", " ");
            for (String other : classesOf.get(pkg)) {
                if (Pattern.compile("\\b" + other + "\\b").matcher(code).find()) {
                    deps.add(pkg + "." + other);
                }
            }
            deps.remove(cls);
            deps.retainAll(bodies.keySet());
            CLASS_DEPS.put(cls, deps);
        }
        assertThat(CLASS_DEPS).as("classes read").hasSizeGreaterThan(100);
    }

    @Test
    void everyPackageHasALayer() {
        Set<String> unplaced = new TreeSet<>(packages().keySet());
        LAYERS.forEach(unplaced::removeAll);
        assertThat(unplaced).as("packages missing from LAYERS").isEmpty();
    }

    @Test
    void noPackageUsesALayerAboveIt() {
        List<String> upward = new ArrayList<>();
        packages().forEach((from, tos) -> tos.forEach(to -> {
            if (layer(to) < layer(from)) {
                upward.add(from + " -> " + to + " (" + users(from, to) + ")");
            }
        }));
        assertThat(upward).as("uses of a higher layer").isEmpty();
    }

    @Test
    void packagesHaveNoLoop() {
        assertThat(loops(packages())).as("package loops").isEmpty();
    }

    @Test
    void smallLibrariesHaveNoClassLoop() {
        Map<String, Set<String>> graph = new TreeMap<>();
        CLASS_DEPS.forEach((cls, deps) -> {
            if (NO_CLASS_LOOPS.contains(packageOf(cls))) {
                graph.put(cls, deps);
            }
        });
        assertThat(graph).as("classes of %s", NO_CLASS_LOOPS).isNotEmpty();
        assertThat(loops(graph)).as("class loops").isEmpty();
    }

    @Test
    void theScanSeesKnownDependencies() {
        // guards the scan itself: an import, a same-package use and a static import each seen
        assertThat(CLASS_DEPS.get("cli.InferCommand")).contains("pipeline.Blip2Engine");
        assertThat(CLASS_DEPS.get("imaging.webp.WebpLossy")).contains("imaging.webp.Vp8Decoder");
        assertThat(CLASS_DEPS.get("imaging.webp.Vp8Predictor")).contains("imaging.webp.Vp8Macroblock");
        assertThat(loops(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a")))).hasSize(1);
    }

    /** Package to the other packages its classes use. */
    private static Map<String, Set<String>> packages() {
        Map<String, Set<String>> out = new TreeMap<>();
        CLASS_DEPS.forEach((cls, deps) -> {
            Set<String> to = out.computeIfAbsent(packageOf(cls), k -> new TreeSet<>());
            deps.stream().map(PackageLayersTest::packageOf).filter(p -> !p.equals(packageOf(cls))).forEach(to::add);
        });
        return out;
    }

    private static String users(String from, String to) {
        return String.join(", ", CLASS_DEPS.entrySet().stream()
                .filter(e -> packageOf(e.getKey()).equals(from))
                .filter(e -> e.getValue().stream().anyMatch(d -> packageOf(d).equals(to)))
                .map(Map.Entry::getKey).toList());
    }

    private static int layer(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).contains(pkg)) {
                return i;
            }
        }
        throw new AssertionError("package " + pkg + " has no layer");
    }

    /** The strongly connected components of more than one node (Tarjan). */
    static List<Set<String>> loops(Map<String, Set<String>> graph) {
        return new Tarjan(graph).run();
    }

    private static String packageOf(String cls) {
        return cls.substring(0, cls.lastIndexOf('.'));
    }

    private static String relative(String pkg) {
        return pkg.equals(ROOT) ? "" : pkg.substring(ROOT.length() + 1);
    }

    private static final class Tarjan {
        private final Map<String, Set<String>> graph;
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> low = new HashMap<>();
        private final List<String> stack = new ArrayList<>();
        private final List<Set<String>> found = new ArrayList<>();

        Tarjan(Map<String, Set<String>> graph) {
            this.graph = graph;
        }

        List<Set<String>> run() {
            for (String v : new TreeSet<>(graph.keySet())) {
                if (!index.containsKey(v)) {
                    visit(v);
                }
            }
            return found;
        }

        private void visit(String v) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.add(v);
            for (String w : graph.getOrDefault(v, Set.of())) {
                if (!graph.containsKey(w)) {
                    continue;
                }
                if (!index.containsKey(w)) {
                    visit(w);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (stack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                Set<String> component = new TreeSet<>();
                String w;
                do {
                    w = stack.removeLast();
                    component.add(w);
                } while (!w.equals(v));
                if (component.size() > 1) {
                    found.add(component);
                }
            }
        }
    }
}
