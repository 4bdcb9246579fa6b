package io.blip2stream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.ops.topics.Drift;
import io.blip2stream.ops.topics.TopicCatalog;
import io.blip2stream.ops.topics.TopicDefinition;
import io.blip2stream.ops.topics.TopicProvisioner;
import io.blip2stream.ops.topics.TopicStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
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
 * java -jar quarkus-run.jar topics --bootstrap HOST:PORT [--dry-run] [--partitions N]
 *     [--replication-factor N] [--timeout-s N] [--admin-property KEY=VALUE]...
 * </pre>
 *
 * Prints one JSON object to stdout. Exit status: 0 done (drift is reported, not fixed),
 * 1 the cluster call failed, 2 bad arguments.
 */
public final class TopicsCommand implements Command {

    /** Name of this command in the command-line dispatch. */
    public static final String NAME = "topics";

    static final String USAGE = "usage: topics --bootstrap HOST:PORT [--dry-run] [--partitions N]"
            + " [--replication-factor N] [--timeout-s N] [--admin-property KEY=VALUE]...";

    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            printError(out, err, "invalid_arguments", e.getMessage());
            err.println(USAGE);
            return 2;
        }
        List<TopicDefinition> topics = TopicCatalog.load().stream()
                .map(t -> t.withSizes(options.partitions(), options.replicationFactor()))
                .toList();
        try (Admin admin = Admin.create(options.adminProperties())) {
            List<TopicStatus> statuses = new TopicProvisioner(admin, options.timeout())
                    .provision(topics, options.dryRun());
            out.println(json.writeValueAsString(report(options, statuses)));
            return 0;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            printError(out, err, "kafka_error", cause.getClass().getSimpleName() + ": " + cause.getMessage());
            return 1;
        } catch (TimeoutException e) {
            printError(out, err, "kafka_timeout", "no answer from " + options.bootstrap() + " within " + options.timeout());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            printError(out, err, "interrupted", "interrupted");
            return 1;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            printError(out, err, "output_failed", e.getMessage());
            return 1;
        }
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

    private void printError(PrintStream out, PrintStream err, String code, String message) {
        ObjectNode root = json.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", message);
        try {
            out.println(json.writeValueAsString(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            err.println(code + ": " + message);
        }
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
            String bootstrap = null;
            boolean dryRun = false;
            Integer partitions = null;
            Short rf = null;
            Duration timeout = Duration.ofSeconds(30);
            Map<String, String> extra = new LinkedHashMap<>();
            List<String> rest = new ArrayList<>(args);
            for (int i = 0; i < rest.size(); i++) {
                String a = rest.get(i);
                switch (a) {
                    case "--bootstrap" -> bootstrap = value(rest, ++i, a);
                    case "--dry-run" -> dryRun = true;
                    case "--partitions" -> partitions = positive(value(rest, ++i, a), a, Integer.MAX_VALUE);
                    case "--replication-factor" -> rf = (short) positive(value(rest, ++i, a), a, Short.MAX_VALUE);
                    case "--timeout-s" -> timeout = Duration.ofSeconds(positive(value(rest, ++i, a), a, 86_400));
                    case "--admin-property" -> {
                        String kv = value(rest, ++i, a);
                        int eq = kv.indexOf('=');
                        if (eq <= 0) {
                            throw new IllegalArgumentException("--admin-property needs KEY=VALUE, got " + kv);
                        }
                        extra.put(kv.substring(0, eq), kv.substring(eq + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown argument " + a);
                }
            }
            if (bootstrap == null || bootstrap.isBlank()) {
                throw new IllegalArgumentException("--bootstrap is required");
            }
            return new Options(bootstrap, dryRun, partitions, rf, timeout, Map.copyOf(extra));
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

        private static String value(List<String> args, int i, String flag) {
            if (i >= args.size()) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args.get(i);
        }

        private static int positive(String s, String flag, int max) {
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " needs an integer, got " + s);
            }
            if (v < 1 || v > max) {
                throw new IllegalArgumentException(flag + " is " + v + ", must be between 1 and " + max);
            }
            return v;
        }
    }
}
