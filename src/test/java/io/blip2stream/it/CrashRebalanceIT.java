package io.blip2stream.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.blip2stream.cli.WireTopics;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged service against a real broker, as it runs in production: killed abruptly
 * mid-stream and restarted, and two instances in one consumer group losing one of them to a
 * graceful stop mid-stream. Delivery is at-least-once: every request must get at least one
 * result, none may be lost. A graceful stop (SIGTERM) mid-stream must also drain its batches and
 * end the process cleanly.
 */
class CrashRebalanceIT {

    private static final int PARTITIONS = 3;
    private static final int REQUESTS = 200;
    private static final Duration INTERVAL = Duration.ofMillis(40);
    private static final Duration READY = Duration.ofSeconds(180);
    private static final Duration ALL_RESULTS = Duration.ofSeconds(240);
    /** The crashed instance's {@code blip2.max-in-flight}. */
    private static final int CRASH_MAX_IN_FLIGHT = 16;
    /** {@code blip2.commit.interval}, the service's default. */
    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(200);
    /** Results before the kill: several seconds of the stream, every stage busy. */
    private static final int STEADY_STATE_RESULTS = 60;
    /** The throughput before the kill is measured over this long. */
    private static final Duration RATE_WINDOW = Duration.ofSeconds(2);
    private static final Path BUNDLE = Path.of("src/test/resources/bundles/tiny-opt").toAbsolutePath();

    private static TestBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /**
     * Steady state, {@code kill -9}, restart: nothing is lost, and the restarted instance redoes
     * (writes a second result for) only what the killed one had not committed: records in flight
     * (at most the in-flight limit) and the results acknowledged within the last commit interval.
     */
    @Test
    void aServiceKilledAtSteadyStateLosesNothingAndRedoesAtMostWhatWasInFlight() throws Exception {
        Deployment deployment = deploy("crash");
        Map<String, String> limited = Map.of("BLIP2_MAX_IN_FLIGHT", Integer.toString(CRASH_MAX_IN_FLIGHT));
        try (ResultCollector results = new ResultCollector(broker.bootstrapServers(), deployment.resultTopics());
             ServiceProcess first = deployment.start("crash-first", limited).awaitReady(READY);
             RequestStream stream = RequestStream.start(broker.bootstrapServers(), deployment.topics, "crash",
                     REQUESTS, INTERVAL)) {

            await("steady state").atMost(ALL_RESULTS).until(() -> results.distinctIds() >= STEADY_STATE_RESULTS);
            long killedAt = System.nanoTime();
            first.kill();
            double perSecond = results.firstArrivedBetween(killedAt - RATE_WINDOW.toNanos(), killedAt)
                    / (RATE_WINDOW.toMillis() / 1000.0);
            int servedBeforeCrash = results.distinctIds();
            // mid-stream: requests still to send, or sent and waiting in the input topics
            assertThat(servedBeforeCrash).as("the crash happens with requests left").isLessThan(REQUESTS);
            assertThat(first.isAlive()).isFalse();

            try (ServiceProcess second = deployment.start("crash-second", limited).awaitReady(READY)) {
                await("all requests sent").atMost(ALL_RESULTS).until(stream::isDone);
                assertThat(stream.failure()).isNull();
                awaitEveryResult(results, stream.ids());
                // every record processed and committed, every result written read: the count is final
                await("every input offset committed").atMost(ALL_RESULTS).pollInterval(Duration.ofMillis(500))
                        .until(() -> deployment.uncommitted() == 0);
                long written = deployment.resultsWritten();
                await("every result read").atMost(ALL_RESULTS).until(() -> results.total() >= written);
                assertThat(second.isAlive()).isTrue();
            }
            assertEverySuccessful(results, stream.ids());
            assertThat(results.missing(stream.ids())).as("lost requests").isEmpty();

            long bound = CRASH_MAX_IN_FLIGHT + (long) Math.ceil(perSecond * COMMIT_INTERVAL.toMillis() / 1000.0);
            String measured = String.format(Locale.ROOT, "kill -9 at steady state (%.1f results/s, %d served"
                            + " before): %d results for %d requests, %d written twice; bound %d = in-flight limit %d"
                            + " + %d ms of results",
                    perSecond, servedBeforeCrash, results.total(), REQUESTS, results.duplicates(), bound,
                    CRASH_MAX_IN_FLIGHT, COMMIT_INTERVAL.toMillis());
            System.out.println(measured);
            assertThat(results.duplicates()).as(measured).isLessThanOrEqualTo((int) bound);
        }
    }

    @Test
    void twoInstancesShareThePartitionsAndSurviveARebalance() throws Exception {
        Deployment deployment = deploy("rebalance");
        try (ResultCollector results = new ResultCollector(broker.bootstrapServers(), deployment.resultTopics());
             ServiceProcess one = deployment.start("rebalance-one");
             ServiceProcess two = deployment.start("rebalance-two")) {
            one.awaitReady(READY);
            two.awaitReady(READY);

            Map<String, Set<TopicPartition>> shared = awaitAssignment(deployment, members -> members.size() >= 2
                    && members.values().stream().noneMatch(Set::isEmpty)
                    && union(members).equals(deployment.inputPartitions()));
            assertThat(shared.size()).as("consumer group members of two instances").isGreaterThanOrEqualTo(2);

            try (RequestStream stream = RequestStream.start(broker.bootstrapServers(), deployment.topics, "rebalance",
                    REQUESTS, INTERVAL)) {
                await("first results").atMost(ALL_RESULTS).until(() -> results.distinctIds() >= 10);
                two.terminate();
                assertThat(stream.isDone()).as("the rebalance happens mid-stream").isFalse();
                two.awaitExit(Duration.ofSeconds(60));

                Map<String, Set<TopicPartition>> alone = awaitAssignment(deployment,
                        members -> members.size() * 2 == shared.size()
                                && union(members).equals(deployment.inputPartitions()));
                assertThat(union(alone)).isEqualTo(deployment.inputPartitions());

                await("all requests sent").atMost(ALL_RESULTS).until(stream::isDone);
                assertThat(stream.failure()).isNull();
                awaitEveryResult(results, stream.ids());
                assertThat(one.isAlive()).isTrue();
                assertEverySuccessful(results, stream.ids());
            }
            assertSubmitPrintsTheResult(deployment);
        }
    }

    @Test
    void aGracefulStopMidStreamDrainsAndExitsCleanly() throws Exception {
        Deployment deployment = deploy("graceful");
        try (ResultCollector results = new ResultCollector(broker.bootstrapServers(), deployment.resultTopics());
             ServiceProcess service = deployment.start("graceful").awaitReady(READY);
             RequestStream stream = RequestStream.start(broker.bootstrapServers(), deployment.topics, "graceful",
                     REQUESTS, INTERVAL)) {
            await("first results").atMost(ALL_RESULTS).until(() -> results.distinctIds() >= 10);

            service.terminate();
            assertThat(stream.isDone()).as("the stop happens mid-stream").isFalse();
            int status = service.awaitExit(Duration.ofSeconds(60));

            assertThat(status).as("exit status after SIGTERM (a JVM crash exits 134), see %s", service.log())
                    .isIn(0, 130, 143);
            assertThat(Files.readString(service.log()))
                    .doesNotContain("A fatal error has been detected")
                    .contains("batches drained true");
        }
    }

    /** What a user tries first: {@code submit --wait} against the running service prints the result. */
    private static void assertSubmitPrintsTheResult(Deployment deployment) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String image = RequestStream.IMAGES.getFirst().toString();
        for (List<String> task : List.of(List.<String>of(), List.of("--question", "What is it?"))) {
            List<String> args = new ArrayList<>(List.of("submit", "--bootstrap", broker.bootstrapServers(),
                    "--image", image, "--id", "submitted-" + task.size(), "--wait", "--timeout-s", "120"));
            args.addAll(task);
            ServiceProcess.CommandResult run = ServiceProcess.runCommand(args, Duration.ofMinutes(3),
                    deployment.topicEnvironment());
            assertThat(run.exitStatus()).as("submit exit status, stderr: %s", run.stderr()).isZero();
            JsonNode result = json.readTree(run.stdout().strip());
            assertThat(result.path("id").asText()).isEqualTo("submitted-" + task.size());
            assertThat(result.path("task").asText()).isEqualTo(task.isEmpty() ? "caption" : "vqa");
            assertThat(result.path("text").isTextual()).isTrue();
        }
    }

    private static void awaitEveryResult(ResultCollector results, List<String> ids) {
        await("a result for every request").atMost(ALL_RESULTS).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(results.missing(ids)).isEmpty());
    }

    private static void assertEverySuccessful(ResultCollector results, List<String> ids) {
        assertThat(results.unreadable()).isEmpty();
        for (String id : ids) {
            List<JsonNode> forId = results.results(id);
            assertThat(forId).as("results for %s", id).isNotEmpty();
            for (JsonNode result : forId) {
                assertThat(result.has("error")).as("error in %s", result).isFalse();
                assertThat(result.path("text").isTextual()).as("text in %s", result).isTrue();
            }
        }
        // every result belongs to a request of this stream: nothing foreign, nothing invented
        assertThat(results.ids()).isSubsetOf(Set.copyOf(ids));
    }

    private static Map<String, Set<TopicPartition>> awaitAssignment(
            Deployment deployment, java.util.function.Predicate<Map<String, Set<TopicPartition>>> condition) {
        Map<String, Map<String, Set<TopicPartition>>> last = new HashMap<>();
        await("consumer group assignment").atMost(READY).pollInterval(Duration.ofMillis(500)).until(() -> {
            Map<String, Set<TopicPartition>> members = deployment.assignment();
            last.put("members", members);
            return condition.test(members);
        });
        return last.get("members");
    }

    private static Set<TopicPartition> union(Map<String, Set<TopicPartition>> members) {
        return members.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
    }

    private static Deployment deploy(String name) throws Exception {
        String suffix = name + "-" + Long.toHexString(System.nanoTime());
        WireTopics topics = new WireTopics("images-" + suffix, "questions-" + suffix,
                "captions-" + suffix, "answers-" + suffix);
        String dlq = "dlq-" + suffix;
        broker.createTopics(List.of(topics.images(), topics.questions(), topics.captions(), topics.answers(), dlq),
                PARTITIONS);
        return new Deployment(topics, dlq, "group-" + suffix);
    }

    /** One deployment of the service: its topics, its consumer group, its configuration. */
    private record Deployment(WireTopics topics, String dlq, String group) {

        Map<String, String> topicEnvironment() {
            return Map.of(
                    "BLIP2_TOPIC_IMAGES", topics.images(),
                    "BLIP2_TOPIC_QUESTIONS", topics.questions(),
                    "BLIP2_TOPIC_CAPTIONS", topics.captions(),
                    "BLIP2_TOPIC_ANSWERS", topics.answers(),
                    "BLIP2_TOPIC_DLQ", dlq);
        }

        ServiceProcess start(String instance) {
            return start(instance, Map.of());
        }

        /** Starts an instance with {@code settings} (environment variables) on top of the deployment's. */
        ServiceProcess start(String instance, Map<String, String> settings) {
            Map<String, String> env = new HashMap<>(topicEnvironment());
            env.putAll(settings);
            env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            env.put("BLIP2_BUNDLE", BUNDLE.toString());
            env.put("BLIP2_CONSUMER_GROUP", group);
            return ServiceProcess.start(instance, env, List.of(
                    "-Dkafka.session.timeout.ms=" + TestBroker.SESSION_TIMEOUT_MS,
                    "-Dkafka.heartbeat.interval.ms=1000"));
        }

        List<String> resultTopics() {
            return List.of(topics.captions(), topics.answers());
        }

        Set<TopicPartition> inputPartitions() {
            Set<TopicPartition> all = new HashSet<>();
            for (int p = 0; p < PARTITIONS; p++) {
                all.add(new TopicPartition(topics.images(), p));
                all.add(new TopicPartition(topics.questions(), p));
            }
            return all;
        }

        /** Records of the input topics not yet committed by the group (end offsets minus committed ones). */
        long uncommitted() throws Exception {
            Map<TopicPartition, OffsetAndMetadata> committed = broker.admin()
                    .listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            long lag = 0;
            for (Map.Entry<TopicPartition, Long> end : endOffsets(inputPartitions()).entrySet()) {
                OffsetAndMetadata c = committed.get(end.getKey());
                lag += end.getValue() - (c == null ? 0 : c.offset());
            }
            return lag;
        }

        /** Result records written to the result topics so far (fresh topics, no transactions: their end offsets). */
        long resultsWritten() throws Exception {
            Set<TopicPartition> partitions = new HashSet<>();
            for (String topic : resultTopics()) {
                for (int p = 0; p < PARTITIONS; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
            }
            return endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }

        private static Map<TopicPartition, Long> endOffsets(Set<TopicPartition> partitions) throws Exception {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            broker.admin().listOffsets(latest).all().get().forEach((p, info) -> ends.put(p, info.offset()));
            return ends;
        }

        /** Member id → partitions of the input topics it holds now. */
        Map<String, Set<TopicPartition>> assignment() throws Exception {
            ConsumerGroupDescription description = broker.admin().describeConsumerGroups(List.of(group))
                    .describedGroups().get(group).get();
            Map<String, Set<TopicPartition>> members = new HashMap<>();
            for (MemberDescription member : description.members()) {
                members.put(member.consumerId(), member.assignment().topicPartitions().stream()
                        .filter(inputPartitions()::contains)
                        .collect(Collectors.toSet()));
            }
            return members;
        }
    }
}
