package io.blip2stream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.ops.topics.Drift;
import io.blip2stream.ops.topics.TopicCatalog;
import io.blip2stream.ops.topics.TopicDefinition;
import io.blip2stream.ops.topics.TopicProvisioner;
import io.blip2stream.ops.topics.TopicStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * {@code topics}: creates the service's Kafka topics on a plain Kafka cluster from the packaged
 * {@code kafka-topics/topics.yaml} (the same definitions Strimzi applies), and reports the ones
 * that exist, with any drift from their definitions. Existing topics are never changed, so the
 * command is idempotent.
 *
 * <pre>
 * blip2 topics --bootstrap HOST:PORT [--dry-run] [--partitions N]
 *     [--replication-factor N] [--timeout-s N] [--admin-property KEY=VALUE]...
 * </pre>
 *
 * Prints one JSON object to stdout. Exit status ({@link ExitStatus}): 0 done (drift is reported,
 * not fixed), 1 the cluster refused a call, 2 bad arguments, 3 the cluster did not answer.
 */
public final class TopicsCommand implements Command {

    /** Name of this command in the command-line dispatch. */
    public static final String NAME = "topics";

    static final List<CliOption> OPTIONS = List.of(
            CliOption.valued("--bootstrap", "HOST:PORT", "Kafka bootstrap servers (required)"),
            CliOption.flag("--dry-run", "ask the broker to validate the creation, create nothing"),
            CliOption.valued("--partitions", "N", "partitions of every topic instead of the defined ones"),
            CliOption.valued("--replication-factor", "N", "replicas of every topic instead of the defined ones"),
            CliOption.valued("--timeout-s", "N", "wait for each cluster call (default 30)"),
            CliOption.valued("--admin-property", "KEY=VALUE", "a further Kafka Admin client property (security, ...); repeatable"));

    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "create the service's Kafka topics (idempotent), report drift";
    }

    @Override
    public String usage() {
        return Usage.render("""
                blip2 topics --bootstrap HOST:PORT [--dry-run] [--partitions N] [--replication-factor N]
                                    [--timeout-s N] [--admin-property KEY=VALUE]...""", """
                Creates the service's topics from the packaged kafka-topics/topics.yaml (the definitions
                Strimzi applies) and reports those that exist, with any drift from their definitions.
                Existing topics are never changed. Prints one JSON object.""", OPTIONS);
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Blip2Exception e) {
            return CliError.of(e, ExitStatus.USAGE).printWithHint(NAME, out, err);
        }
        List<TopicDefinition> topics = TopicCatalog.load().stream()
                .map(t -> t.withSizes(options.partitions(), options.replicationFactor()))
                .toList();
        try (Admin admin = Admin.create(options.adminProperties())) {
            List<TopicStatus> statuses = new TopicProvisioner(admin, options.timeout())
                    .provision(topics, options.dryRun());
            out.println(json.writeValueAsString(report(options, statuses)));
            return ExitStatus.OK;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
                return unavailable(options, out);
            }
            return CliError.of(CommandError.KAFKA_FAILED, cause.getClass().getSimpleName() + ": " + cause.getMessage())
                    .print(out);
        } catch (TimeoutException | org.apache.kafka.common.errors.TimeoutException e) {
            return unavailable(options, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CliError.of(CommandError.KAFKA_FAILED, "interrupted").print(out);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return CliError.of(CommandError.OUTPUT_FAILED, e.getMessage()).print(out);
        }
    }

    private static int unavailable(Options options, PrintStream out) {
        return CliError.of(CommandError.KAFKA_UNAVAILABLE, "Kafka at " + options.bootstrap()
                + " did not answer within " + options.timeout().toSeconds() + " s").print(out);
    }

    private ObjectNode report(Options options, List<TopicStatus> statuses) {
        ObjectNode root = json.createObjectNode();
        root.put("bootstrap", options.bootstrap());
        root.put("dry_run", options.dryRun());
        ArrayNode list = root.putArray("topics");
        int drifted = 0;
        for (TopicStatus s : statuses) {
            ObjectNode t = list.addObject();
            t.put("name", s.name());
            t.put("action", s.action().name().toLowerCase(java.util.Locale.ROOT));
            t.put("partitions", s.definition().partitions());
            t.put("replication_factor", s.definition().replicationFactor());
            ObjectNode configs = t.putObject("configs");
            s.definition().configs().forEach(configs::put);
            ArrayNode drift = t.putArray("drift");
            for (Drift d : s.drift()) {
                ObjectNode dn = drift.addObject();
                dn.put("setting", d.setting());
                dn.put("expected", d.expected());
                dn.put("actual", d.actual());
            }
            if (!s.drift().isEmpty()) {
                drifted++;
            }
        }
        root.put("drifted_topics", drifted);
        return root;
    }

    /**
     * Parsed command-line options.
     *
     * @param bootstrap         Kafka bootstrap servers
     * @param dryRun            validate creation with the broker but create nothing
     * @param partitions        partition count for every topic instead of the defined one
     * @param replicationFactor replication factor for every topic instead of the defined one
     * @param timeout           wait for each cluster call
     * @param extraAdmin        further Admin client properties (security settings, …)
     */
    record Options(String bootstrap, boolean dryRun, Integer partitions, Short replicationFactor,
                   Duration timeout, Map<String, String> extraAdmin) {

        static Options parse(List<String> args) {
            CliArgs a = CliArgs.parse(args, OPTIONS);
            String bootstrap = a.get("--bootstrap", null);
            if (bootstrap == null || bootstrap.isBlank()) {
                throw invalid("--bootstrap is required");
            }
            Integer partitions = a.has("--partitions") ? inRange(a.getInt("--partitions", 0), "--partitions", Integer.MAX_VALUE) : null;
            Short rf = a.has("--replication-factor")
                    ? (short) inRange(a.getInt("--replication-factor", 0), "--replication-factor", Short.MAX_VALUE) : null;
            Duration timeout = Duration.ofSeconds(inRange(a.getInt("--timeout-s", 30), "--timeout-s", 86_400));
            Map<String, String> extra = new LinkedHashMap<>();
            for (CliArgs.Opt o : a.all()) {
                if (o.name().equals("--admin-property")) {
                    int eq = o.value().indexOf('=');
                    if (eq <= 0) {
                        throw invalid("--admin-property needs KEY=VALUE, got '" + o.value() + "'");
                    }
                    extra.put(o.value().substring(0, eq), o.value().substring(eq + 1));
                }
            }
            return new Options(bootstrap, a.has("--dry-run"), partitions, rf, timeout, Map.copyOf(extra));
        }

        Properties adminProperties() {
            Properties p = new Properties();
            p.putAll(extraAdmin);
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "blip2-stream-topics");
            int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            p.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(ms));
            p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(ms));
            return p;
        }

        private static int inRange(int v, String flag, int max) {
            if (v < 1) {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST, flag + " " + v + " is below the minimum 1", 1L, null);
            }
            if (v > max) {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST, flag + " " + v + " is above the maximum " + max,
                        (long) max, null);
            }
            return v;
        }

        private static Blip2Exception invalid(String message) {
            return new Blip2Exception(ErrorCode.INVALID_REQUEST, message);
        }
    }
}
