package io.blip2stream.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code blip2.*} setting, in one tree: each key (SmallRye's kebab-case names of the
 * methods), its default ({@link WithDefault}) and its meaning ({@link Doc}) written once. The
 * service gets it injected; commands that run without Quarkus build it with {@code CliConfig}
 * from the same application.properties and environment. application.properties binds each key to
 * its environment variable as {@code ${ENV:default}} (the deployment contract); ConfigTableTest
 * checks that those defaults are the ones written here.
 */
@ConfigMapping(prefix = "blip2")
public interface Blip2Config {

    @Doc("Model bundle directory (written by src/main/python/export_blip2.py)")
    @WithDefault("src/test/resources/bundles/tiny-opt")
    String bundle();

    Topics topics();

    @Doc("Consumer group of both input channels")
    @WithDefault("blip2-stream")
    String consumerGroup();

    Kafka kafka();

    @Doc("Where the graphs run: auto (CUDA when the onnxruntime_gpu artifact and a GPU are there), cpu, cuda")
    @WithDefault("auto")
    String device();

    Cuda cuda();

    @Doc("Where decoding keeps the K/V cache: auto (on the GPU when the decoder runs on CUDA, else in host memory), host, device")
    @WithDefault("auto")
    String decodeLoop();

    Onnx onnx();

    VisionCache visionCache();

    Vision vision();

    @Doc("Most text tokens per prompt; 0 = min(the tokenizer's model_max_length, the LM's position table) minus the query tokens (a larger value is cut to that)")
    @WithDefault("0")
    int maxPromptTokens();

    Image image();

    @Doc("Requests received and not yet acknowledged, at most (both input topics together); also bounds each stream's prefetch")
    @WithDefault("64")
    int maxInFlight();

    Batching batching();

    @Doc("A request must be in a batch within this long after its record's timestamp, else DEADLINE_EXCEEDED")
    @WithDefault("600000")
    long deadlineMs();

    Limits limits();

    Fetch fetch();

    @Doc("Graceful shutdown: how long to finish in-flight batches and their writes")
    @WithDefault("30000")
    long shutdownTimeoutMs();

    CloudEvents cloudEvents();

    @Doc("Delivery guarantee: at-least-once or exactly-once")
    @WithDefault("at-least-once")
    String delivery();

    Commit commit();

    StreamPage streamPage();

    interface Topics {
        @Doc("Image records (input)")
        @WithDefault("blip2.images")
        String images();

        @Doc("Question records (input)")
        @WithDefault("blip2.questions")
        String questions();

        @Doc("Caption results")
        @WithDefault("blip2.captions")
        String captions();

        @Doc("VQA and chat results")
        @WithDefault("blip2.answers")
        String answers();

        @Doc("Dead letters: the original record of each error result")
        @WithDefault("blip2.dlq")
        String dlq();
    }

    interface Kafka {
        @Doc("Largest record the service accepts or produces (bytes); topics' max.message.bytes must be at least this")
        @WithDefault("10485760")
        int maxMessageBytes();

        @Doc("Records fetched per poll; the connector buffers at most twice this many per input channel")
        @WithDefault("32")
        int maxPollRecords();

        @Doc("Producer delivery timeout; must stay below the commit strategy's 60 s unprocessed-record age")
        @WithDefault("30000")
        int deliveryTimeoutMs();

        @Doc("Longest poll of an input channel's consumer (ms); offset commits wait for the current poll, so keep it well below blip2.commit.interval")
        @WithDefault("100")
        int pollTimeoutMs();

        @Doc("exactly-once: transactional.id = this prefix + \"-\" + a random UUID, new for every instance and start")
        @WithDefault("blip2-stream")
        String transactionalIdPrefix();

        /** The input channels' commit strategy by delivery mode (application.properties only). */
        Map<String, String> commitStrategy();

        /** The input channels' isolation level by delivery mode (application.properties only). */
        Map<String, String> isolationLevel();
    }

    interface Commit {
        @Doc("at-least-once: least time between two offset commits of an input channel (a commit starts as soon as a partition's acked prefix moves); bounds the work redone after a crash")
        @WithDefault("200ms")
        Duration interval();
    }

    interface Cuda {
        @Doc("CUDA device id")
        @WithDefault("0")
        int deviceId();
    }

    interface Onnx {
        @Doc("ONNX Runtime threads inside one operator; 0 = ONNX Runtime's default (all cores)")
        @WithDefault("0")
        int intraOpThreads();

        @Doc("ONNX Runtime threads across operators; 0 = ONNX Runtime's default")
        @WithDefault("0")
        int interOpThreads();

        @Doc("Graph optimisation level: all, extended, basic, none")
        @WithDefault("all")
        String optimizationLevel();

        @Doc("Idle ONNX Runtime threads spin-wait for work: faster on a dedicated machine, much slower on a shared one")
        @WithDefault("false")
        boolean allowSpinning();
    }

    interface VisionCache {
        @Doc("Images whose vision output is kept (LRU by SHA-256 of the bytes); 0 disables the cache")
        @WithDefault("256")
        int size();
    }

    interface Vision {
        @Doc("Most images per vision graph run")
        @WithDefault("32")
        int maxBatch();
    }

    interface Image {
        @Doc("Encoded image bytes, inline or fetched, at most (IMAGE_TOO_LARGE), checked before any other work")
        @WithDefault("20971520")
        long maxBytes();

        @Doc("Pixels (width x height, as the header declares) at most, checked before decoding")
        @WithDefault("40000000")
        long maxPixels();

        @Doc("Longest side in pixels at most, checked before decoding")
        @WithDefault("16384")
        int maxSide();

        @Doc("Bytes inflated from one image's compressed metadata (PNG zTXt/iTXt, every chunk together) at most; chunks past it are ignored")
        @WithDefault("4194304")
        long maxMetadataBytes();
    }

    interface Batching {
        @Doc("Most requests per micro-batch (static mode), or decoding together in the running batch (continuous mode)")
        @WithDefault("8")
        int maxBatchSize();

        @Doc("How long the oldest request waits for batch-mates (static mode)")
        @WithDefault("20")
        long maxWaitMs();

        @Doc("continuous: requests join and leave the running decoding batch at every step, at most max-batch-size together; static: each micro-batch is decoded to its end before the next starts")
        @WithDefault("continuous")
        String mode();

        @Doc("Continuous mode: most newcomers whose vision and prefill run between two decoding steps")
        @WithDefault("4")
        int joinChunk();
    }

    interface Limits {
        @Doc("Longest question in characters (PROMPT_TOO_LONG)")
        @WithDefault("2000")
        int maxQuestionChars();

        @Doc("Ceiling on a request's max_new_tokens (INVALID_REQUEST)")
        @WithDefault("128")
        int maxNewTokens();

        @Doc("Longest request id (any source) and record key in UTF-8 bytes (INVALID_REQUEST); what is echoed is cut to it")
        @WithDefault("256")
        int maxIdBytes();

        @Doc("Longest claim-check URL in UTF-8 bytes (INVALID_REQUEST)")
        @WithDefault("2048")
        int maxUrlBytes();

        @Doc("Most earlier turns in a chat's history (PROMPT_TOO_LONG, before tokenising)")
        @WithDefault("16")
        int maxTurns();
    }

    interface Fetch {
        @Doc("Claim check: file: URLs under this directory; empty: file: disabled")
        Optional<String> fileRoot();

        @Doc("Claim check: http(s) only to these hosts (comma-separated, host or host:port); empty: http(s) disabled")
        Optional<List<String>> allowedHosts();

        @Doc("Claim check: time limit of one whole fetch (resolution, connect, TLS, headers, body, redirects)")
        @WithDefault("5000")
        long timeoutMs();

        @Doc("Claim check: longest wait for the next byte of a response")
        @WithDefault("2000")
        long idleTimeoutMs();

        @Doc("Claim check: most fetches from one host at a time; the others wait without a thread")
        @WithDefault("2")
        int maxPerHost();

        @Doc("Claim check: address ranges (CIDR) exempt from the internal-address check; empty: none")
        Optional<List<String>> allowedNetworks();

        @Doc("Claim check: redirects followed, each hop checked like the first URL")
        @WithDefault("3")
        int maxRedirects();

        @Doc("Claim check: fetch threads (never the consumer's)")
        @WithDefault("4")
        int threads();
    }

    interface CloudEvents {
        @Doc("ce_source of every result")
        @WithDefault("/blip2-stream")
        String source();
    }

    interface StreamPage {
        @Doc("The live page /stream: thumbnails, texts, latency and errors of the last requests, shown to whoever reaches the HTTP port")
        @WithDefault("true")
        boolean enabled();

        @Doc("Requests the live page holds and replays to a new browser (1..1000; about 10 KB each)")
        @WithDefault("48")
        int entries();

        @Doc("Longer side of a live page thumbnail, pixels (8..512)")
        @WithDefault("96")
        int thumbnailSide();

        @Doc("Browsers connected to the live page at once, at most (503 beyond)")
        @WithDefault("8")
        int maxClients();
    }
}
