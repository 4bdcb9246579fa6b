package io.blip2stream.testing;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * The one Kafka cluster of a test run: Kafka's in-process KRaft test kit, one combined broker +
 * controller node, configured for every test that needs a broker (consumer groups and
 * transactions on a single broker, records up to {@link #MAX_MESSAGE_BYTES} plus dead-letter
 * headers). The Quarkus test resource {@code messaging.KafkaBrokerResource} and the JUnit
 * extension {@link KafkaBrokerExtension} both get their broker here: the first caller starts it,
 * every later caller gets the same bootstrap servers, and a JVM shutdown hook stops it once when
 * the test JVM exits, whichever kind of test ran first or last.
 *
 * <p>A {@code @QuarkusTest} and its test resources run in a Quarkus class loader (a new one each
 * time a test profile restarts the application, closed on restart), where this class is a copy
 * with static fields of its own. Every call is therefore routed to this class as the system class
 * loader defines it, the loader of plain JUnit tests, which lives as long as the JVM: the cluster,
 * its classes and its threads belong to that loader, and only a {@code String} crosses between
 * loaders. Where the system class loader does not see the test classes (a test runner with an
 * isolated class loader), each loader starts its own cluster.
 */
public final class SharedKafkaCluster {

    /** Largest record the tests produce: the service's {@code blip2.kafka.max-message-bytes} default. */
    public static final int MAX_MESSAGE_BYTES = 10_485_760;
    /** The broker's {@code message.max.bytes}: the largest record plus headroom for dead-letter headers. */
    public static final int BROKER_MESSAGE_MAX_BYTES = MAX_MESSAGE_BYTES + 65_536;

    private static final Logger LOG = Logger.getLogger(SharedKafkaCluster.class.getName());
    /** Kafka's own clean-up hooks (its temporary directories), run once the cluster has stopped. */
    private static final List<Runnable> AFTER_STOP = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Kafka's own loggers, kept referenced so that their WARN level sticks. */
    private static final List<Logger> QUIET = List.of(
            Logger.getLogger("kafka"), Logger.getLogger("org.apache.kafka"), Logger.getLogger("state.change.logger"));

    /** The running cluster; only ever set in the system class loader's copy of this class. */
    private static KafkaClusterTestKit cluster;
    private static String bootstrapServers;
    /** This loader's copy of the address, once known. */
    private static volatile String known;

    private SharedKafkaCluster() {
    }

    /** Bootstrap servers of the run's cluster, which this call starts if no test has started it yet. */
    public static String bootstrapServers() {
        String address = known;
        if (address == null) {
            address = fromOwner();
            known = address;
        }
        return address;
    }

    /**
     * Starts the cluster in this copy of the class unless it runs already. Called, through
     * {@link #bootstrapServers()}, on the system class loader's copy only; public for that call
     * from other class loaders.
     */
    public static synchronized String startInThisClassLoader() {
        if (bootstrapServers == null) {
            start();
        }
        return bootstrapServers;
    }

    /**
     * Creates each topic that does not exist yet. A topic that exists already (created by an
     * earlier test of the run) must have the partitions asked for.
     */
    public static void createTopics(String bootstrap, Collection<NewTopic> topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> existing = new ArrayList<>();
            var results = admin.createTopics(topics).values();
            for (NewTopic topic : topics) {
                try {
                    results.get(topic.name()).get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create the test topic " + topic.name(), e.getCause());
                    }
                    existing.add(topic);
                }
            }
            if (existing.isEmpty()) {
                return;
            }
            Map<String, TopicDescription> described = admin.describeTopics(
                    existing.stream().map(NewTopic::name).toList()).allTopicNames().get();
            for (NewTopic topic : existing) {
                int partitions = described.get(topic.name()).partitions().size();
                if (partitions != topic.numPartitions()) {
                    throw new IllegalStateException("the test topic %s exists with %d partitions, not %d"
                            .formatted(topic.name(), partitions, topic.numPartitions()));
                }
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe the test topics", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the test topics", e);
        }
    }

    /** Asks the copy of this class that owns the cluster for its address, starting it there if needed. */
    private static String fromOwner() {
        Class<?> owner = owner();
        if (owner == SharedKafkaCluster.class) {
            return startInThisClassLoader();
        }
        try {
            return (String) owner.getMethod("startInThisClassLoader").invoke(null);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the shared test Kafka cluster did not start", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the shared test Kafka cluster", e);
        }
    }

    /** This class as the system class loader defines it, or this copy where that loader does not see it. */
    private static Class<?> owner() {
        try {
            return Class.forName(SharedKafkaCluster.class.getName(), true, ClassLoader.getSystemClassLoader());
        } catch (ClassNotFoundException e) {
            return SharedKafkaCluster.class;
        }
    }

    /**
     * Formats and starts the cluster with this class's loader as the context class loader, so that
     * Kafka's threads, which inherit it, never hold on to a Quarkus class loader that closes.
     */
    private static void start() {
        QUIET.forEach(l -> l.setLevel(Level.WARNING));
        // Kafka deletes the test kit's directories in shutdown hooks of its own; run concurrently
        // with the hook that stops the cluster, they can delete the log directories of a running
        // broker, and a broker that loses them halts its JVM (here: exit status 1 after every test
        // had passed). So those hooks are kept here and run after the cluster has stopped, and the
        // broker may not end the test JVM.
        Exit.setShutdownHookAdder((name, hook) -> AFTER_STOP.add(hook));
        Exit.setExitProcedure((status, message) -> LOG.warning("the test broker asked to exit with status "
                + status + ": " + message));
        Exit.setHaltProcedure((status, message) -> LOG.warning("the test broker asked to halt with status "
                + status + ": " + message));
        Thread thread = Thread.currentThread();
        ClassLoader caller = thread.getContextClassLoader();
        thread.setContextClassLoader(SharedKafkaCluster.class.getClassLoader());
        KafkaClusterTestKit started = null;
        try {
            started = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
                    // consumer groups and transactions with one broker
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("transaction.state.log.min.isr", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("message.max.bytes", Integer.toString(BROKER_MESSAGE_MAX_BYTES))
                    .build();
            started.format();
            started.startup();
            started.waitForReadyBrokers();
            Thread stop = new Thread(SharedKafkaCluster::stop, "shared-kafka-cluster-stop");
            stop.setContextClassLoader(SharedKafkaCluster.class.getClassLoader());
            Runtime.getRuntime().addShutdownHook(stop);
            cluster = started;
            bootstrapServers = started.bootstrapServers();
            LOG.info("Shared test Kafka cluster started at " + bootstrapServers);
        } catch (Exception e) {
            closeQuietly(started, e);
            throw new IllegalStateException("the shared test Kafka cluster did not start", e);
        } finally {
            Exit.resetShutdownHookAdder();
            thread.setContextClassLoader(caller);
        }
    }

    /** The shutdown hook: stops the cluster, then deletes its directories. */
    private static synchronized void stop() {
        if (cluster == null) {
            return;
        }
        try {
            cluster.close();
            LOG.info("Shared test Kafka cluster at " + bootstrapServers + " stopped");
        } catch (Exception e) {
            LOG.log(Level.WARNING, "the shared test Kafka cluster did not stop cleanly", e);
        } finally {
            cluster = null;
            bootstrapServers = null;
            AFTER_STOP.forEach(SharedKafkaCluster::runQuietly);
            AFTER_STOP.clear();
        }
    }

    private static void runQuietly(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cleaning up after the shared test Kafka cluster failed", e);
        }
    }

    private static void closeQuietly(KafkaClusterTestKit started, Exception cause) {
        if (started == null) {
            return;
        }
        try {
            started.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
