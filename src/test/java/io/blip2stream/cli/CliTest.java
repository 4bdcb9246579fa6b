package io.blip2stream.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The first word: help, a command's usage, an unknown word, the service. Nothing here starts Kafka. */
class CliTest {

    record Run(Cli.Launch launch, String stdout, String stderr) {
        int status() {
            return ((Cli.Launch.Exit) launch).status();
        }
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Cli.Launch launch = Cli.dispatch(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(launch, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void helpPrintsTheCommandListAndExitsZero(String word) {
        Run run = cli(word);

        assertThat(run.launch()).isEqualTo(new Cli.Launch.Exit(0));
        assertThat(run.stdout()).contains("commands:")
                .containsPattern("(?m)^  serve +run the service")
                .containsPattern("(?m)^  infer +")
                .containsPattern("(?m)^  submit +")
                .containsPattern("(?m)^  bench +")
                .containsPattern("(?m)^  topics +")
                .contains("blip2 COMMAND --help");
        assertThat(run.stderr()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"infer", "submit", "bench", "topics", "serve"})
    void commandHelpPrintsItsUsageToStdoutAndExitsZero(String command) {
        for (Run run : List.of(cli(command, "--help"), cli(command, "-h"), cli("help", command))) {
            assertThat(run.launch()).isEqualTo(new Cli.Launch.Exit(0));
            assertThat(run.stdout()).startsWith("usage: blip2 " + (command.equals("serve") ? "[serve]" : command));
            assertThat(run.stderr()).isEmpty();
        }
    }

    @Test
    void everyDeclaredOptionIsInItsCommandsUsage() {
        assertEveryOption(cli("infer", "--help").stdout(), InferCommand.OPTIONS);
        assertEveryOption(cli("bench", "--help").stdout(), BenchCommand.OPTIONS);
        assertEveryOption(cli("submit", "--help").stdout(), SubmitArguments.OPTIONS);
        assertEveryOption(cli("topics", "--help").stdout(), TopicsCommand.OPTIONS);
        assertThat(cli("infer", "--help").stdout()).containsPattern("(?m)^  --decode-loop auto\\|host\\|device +K/V cache");
        assertThat(cli("bench", "--help").stdout()).contains("--decode-loop");
    }

    @Test
    void helpAfterOtherOptionsStillPrintsTheUsageWithoutRunning() {
        Run run = cli("submit", "--bootstrap", "localhost:1", "--image", "none.png", "--help");

        assertThat(run.status()).isZero();
        assertThat(run.stdout()).startsWith("usage: blip2 submit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"serv", "--bootstrap", "infr", "-x"})
    void anUnknownFirstWordIsAnErrorNamingTheCommands(String word) throws Exception {
        Run run = cli(word, "--image", "x.png");

        assertThat(run.status()).isEqualTo(ExitStatus.USAGE);
        var error = JsonOut.MAPPER.readTree(run.stdout()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(error.path("id").asText()).isEqualTo("BLIP2-1001");
        assertThat(error.path("message").asText())
                .isEqualTo("unknown command '" + word + "'; the commands are serve, infer, submit, bench, topics");
        assertThat(run.stderr()).contains("blip2 --help");
    }

    @Test
    void helpForAnUnknownCommandIsTheSameError() {
        Run run = cli("help", "frobnicate");

        assertThat(run.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(run.stdout()).contains("unknown command 'frobnicate'");
    }

    @Test
    void theServiceStartsWithNoArgumentsOrServe() {
        assertThat(cli().launch()).isEqualTo(new Cli.Launch.Serve());
        assertThat(cli("serve").launch()).isEqualTo(new Cli.Launch.Serve());
    }

    @Test
    void serveTakesNoOptions() throws Exception {
        Run run = cli("serve", "--port", "8080");

        assertThat(run.status()).isEqualTo(ExitStatus.USAGE);
        assertThat(JsonOut.MAPPER.readTree(run.stdout()).path("error").path("message").asText())
                .isEqualTo("serve takes no options, got '--port'; settings are environment variables");
    }

    private static void assertEveryOption(String usage, List<CliOption> options) {
        for (CliOption o : options) {
            String left = o.isFlag() ? o.name() : o.name() + " " + o.value();
            assertThat(usage).as("usage lists %s", o.name()).contains("  " + left + " ").contains(o.help());
        }
    }
}
