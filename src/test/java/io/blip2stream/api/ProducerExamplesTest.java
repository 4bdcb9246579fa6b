package io.blip2stream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import io.blip2stream.imaging.ImageDecoder;
import io.blip2stream.imaging.ImageLimits;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The producer examples for non-Java users (src/docs/producers.md, examples/) send what the
 * service accepts: every request template and every JSON block of the page validates against the
 * published JSON Schemas and decodes as the service decodes it, and the scripts use the service's
 * topic and header names.
 */
class ProducerExamplesTest {

    static final Path DOC = Path.of("src/docs/producers.md");
    static final Path REQUESTS = Path.of("examples/requests");
    static final List<Path> SCRIPTS = List.of(Path.of("examples/python/produce.py"), Path.of("examples/kcat/produce.sh"));

    /** A JSON block of the page, with the schema its preceding comment names. */
    private static final Pattern BLOCK = Pattern.compile("<!-- schema: ([\\w.-]+) -->\\s*```json\\n(.*?)```", Pattern.DOTALL);
    /** The options JSON a snippet puts in the blip2-options header (kcat -H, Python json.dumps). */
    private static final Pattern OPTIONS_HEADER = Pattern.compile("blip2-options\"?[=,]\\s*(?:json\\.dumps\\()?'?(\\{[^}]*})");
    private static final Pattern TEMPLATE = Pattern.compile("([a-z-]+\\.json)");

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix("https://blip2stream.io/schemas/", "classpath:schemas/")));
    private final ObjectMapper json = new ObjectMapper();
    private final WireCodec codec = new WireCodec();

    private static JsonSchema schema(String name) {
        return FACTORY.getSchema(SchemaLocation.of("https://blip2stream.io/schemas/" + name));
    }

    private record Block(String schema, String body) {
    }

    private static List<Block> blocks() throws IOException {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(DOC));
        while (m.find()) {
            out.add(new Block(m.group(1), m.group(2)));
        }
        return out;
    }

    private static List<Path> templates() throws IOException {
        try (Stream<Path> files = Files.list(REQUESTS)) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void everyRequestTemplateValidatesAndDecodesAsTheServiceDecodesIt() throws IOException {
        List<Path> templates = templates();
        assertThat(templates).extracting(p -> p.getFileName().toString())
                .contains("caption-options.json", "vqa.json", "chat.json", "caption-claim-check.json");
        ImageDecoder images = new ImageDecoder(ImageLimits.defaults());
        Set<Task> tasks = new HashSet<>();
        for (Path t : templates) {
            byte[] bytes = Files.readAllBytes(t);
            if (t.getFileName().toString().endsWith("-options.json")) {
                assertThat(schema("options.schema.json").validate(json.readTree(bytes))).as(t.toString()).isEmpty();
                assertThat(codec.decodeOptions(bytes)).as(t.toString()).isNotEqualTo(GenerationOverrides.NONE);
                continue;
            }
            assertThat(schema("question.schema.json").validate(json.readTree(bytes))).as(t.toString()).isEmpty();
            QuestionRequest q = codec.decodeQuestion(bytes);
            tasks.add(q.taskOrDefault());
            assertThat(q.id()).as(t.toString()).isNotBlank();
            if (q.image().base64() != null) {
                assertThat(images.decode(Base64.getDecoder().decode(q.image().base64())).width()).isPositive();
            } else {
                assertThat(q.image().url()).startsWith("file:");
            }
        }
        assertThat(tasks).containsExactlyInAnyOrder(Task.CAPTION, Task.VQA, Task.CHAT);
    }

    @Test
    void everyJsonBlockOfThePageValidatesAgainstTheSchemaItNames() throws IOException {
        List<Block> blocks = blocks();
        assertThat(blocks).extracting(Block::schema).contains("options.schema.json", "question.schema.json",
                "result.schema.json", "error-result.schema.json");
        for (Block b : blocks) {
            JsonNode node = json.readTree(b.body());
            assertThat(schema(b.schema()).validate(node)).as(b.body()).isEmpty();
            switch (b.schema()) {
                case "question.schema.json" -> codec.decodeQuestion(b.body().getBytes(StandardCharsets.UTF_8));
                case "options.schema.json" -> codec.decodeOptions(b.body().getBytes(StandardCharsets.UTF_8));
                case "result.schema.json", "error-result.schema.json" ->
                        assertThat(codec.decodeResult(b.body().getBytes(StandardCharsets.UTF_8)).id()).isNotBlank();
                default -> throw new AssertionError("unknown schema " + b.schema());
            }
            if (node.has("error")) {
                ErrorCode code = ErrorCode.valueOf(node.at("/error/code").asText());
                assertThat(node.at("/error/message_id").asText()).isEqualTo(code.id());
            }
        }
    }

    @Test
    void thePageShowsTheTemplatesAsTheyAre() throws IOException {
        List<JsonNode> shown = new ArrayList<>();
        for (Block b : blocks()) {
            shown.add(json.readTree(b.body()));
        }
        for (Path t : templates()) {
            assertThat(shown).as(t.toString()).contains(json.readTree(t.toFile()));
        }
    }

    @Test
    void scriptsAndSnippetsUseTheServiceNamesAndValidOptions() throws IOException {
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            props.load(in);
        }
        List<String> sources = new ArrayList<>();
        sources.add(Files.readString(DOC));
        for (Path s : SCRIPTS) {
            sources.add(Files.readString(s));
        }
        int headers = 0;
        for (String source : sources) {
            Matcher m = OPTIONS_HEADER.matcher(source);
            while (m.find()) {
                headers++;
                assertThat(schema("options.schema.json").validate(json.readTree(m.group(1)))).as(m.group()).isEmpty();
            }
        }
        assertThat(headers).as("blip2-options headers in the page's snippets").isGreaterThanOrEqualTo(2);

        for (Path s : SCRIPTS) {
            String script = Files.readString(s);
            for (String key : List.of("images", "questions", "captions", "answers")) {
                assertThat(script).as(s + " names the default topic of blip2.topics." + key)
                        .contains(defaultOf(props.getProperty("blip2.topics." + key)));
            }
            assertThat(script).contains(WireHeaders.ID, WireHeaders.OPTIONS);
            Matcher t = TEMPLATE.matcher(script);
            int named = 0;
            while (t.find()) {
                named++;
                assertThat(REQUESTS.resolve(t.group(1))).as(s + " loads " + t.group(1)).exists();
            }
            assertThat(named).isGreaterThanOrEqualTo(2);
        }
    }

    /** {@code x} of {@code ${ENV:x}}. */
    private static String defaultOf(String value) {
        Matcher m = Pattern.compile("^\\$\\{[A-Z0-9_]+:([^}]*)}$").matcher(value.trim());
        assertThat(m.matches()).as(value).isTrue();
        return m.group(1);
    }
}
