package io.blip2stream.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import io.blip2stream.model.BundleException;
import io.blip2stream.onnx.capi.OrtTelemetry;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.EnumSet;

/**
 * Makes ONNX Runtime sessions with one configuration: thread counts, optimisation level and the
 * execution provider. CUDA is used when configured ({@code cuda}) or when available
 * ({@code auto}) and falls back to CPU with a warning when it cannot be added.
 */
public final class OrtSessions {
    private static final Logger LOG = Logger.getLogger(OrtSessions.class);

    private final OrtEnvironment env;
    private final OrtConfig config;
    private volatile String chosenProvider;

    public OrtSessions(OrtConfig config) {
        OrtTelemetry.disable();
        this.env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "blip2-stream");
        this.config = config;
    }

    public OrtEnvironment environment() {
        return env;
    }

    public OrtConfig config() {
        return config;
    }

    /** "CUDA:0" or "CPU" once a session was made; null before. */
    public String chosenProvider() {
        return chosenProvider;
    }

    /**
     * Opens one graph.
     *
     * @param graph a name for messages ("decoder")
     */
    public OrtSession open(Path model, String graph) {
        return open(opts -> env.createSession(model.toString(), opts), model.toString(), graph);
    }

    /** Opens a graph given as ONNX bytes, on the same execution provider as the bundle's graphs. */
    public OrtSession open(byte[] model, String graph) {
        return open(opts -> env.createSession(model, opts), "(" + model.length + " bytes)", graph);
    }

    private interface Creator {
        OrtSession create(OrtSession.SessionOptions opts) throws OrtException;
    }

    private OrtSession open(Creator creator, String source, String graph) {
        boolean wantCuda = wantsCuda();
        if (wantCuda) {
            try (OrtSession.SessionOptions opts = baseOptions()) {
                opts.addCUDA(config.cudaDeviceId());
                OrtSession s = creator.create(opts);
                logChoice(graph, "CUDA:" + config.cudaDeviceId());
                return s;
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                LOG.warnf("graph %s: CUDA execution provider unavailable (%s); falling back to CPU", graph, e.getMessage());
            }
        }
        try (OrtSession.SessionOptions opts = baseOptions()) {
            OrtSession s = creator.create(opts);
            logChoice(graph, "CPU");
            return s;
        } catch (OrtException e) {
            throw new BundleException("graph " + graph + ": cannot load " + source + ": " + e.getMessage(), e);
        }
    }

    private boolean wantsCuda() {
        if (config.device() == Device.CPU) {
            return false;
        }
        EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
        boolean hasCuda = available.contains(OrtProvider.CUDA);
        if (!hasCuda && config.device() == Device.CUDA) {
            LOG.warnf("blip2.device=cuda but the ONNX Runtime on the classpath has no CUDA provider (has %s); "
                    + "build with -Ponnxruntime_gpu. Falling back to CPU", available);
        }
        return hasCuda;
    }

    private OrtSession.SessionOptions baseOptions() throws OrtException {
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setOptimizationLevel(config.optimizationLevel());
        if (config.intraOpThreads() > 0) {
            opts.setIntraOpNumThreads(config.intraOpThreads());
        }
        if (config.interOpThreads() > 0) {
            opts.setInterOpNumThreads(config.interOpThreads());
        }
        opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        opts.addConfigEntry("session.intra_op.allow_spinning", config.allowSpinning() ? "1" : "0");
        opts.addConfigEntry("session.inter_op.allow_spinning", config.allowSpinning() ? "1" : "0");
        return opts;
    }

    private void logChoice(String graph, String provider) {
        if (!provider.equals(chosenProvider)) {
            LOG.infof("ONNX Runtime %s: graphs run on %s (device=%s, intra-op threads=%s, inter-op threads=%s, opt=%s, spinning=%s)",
                    env.getVersion(), provider, config.device().name().toLowerCase(java.util.Locale.ROOT),
                    config.intraOpThreads() == 0 ? "default" : config.intraOpThreads(),
                    config.interOpThreads() == 0 ? "default" : config.interOpThreads(), config.optimizationLevel(),
                    config.allowSpinning());
        }
        LOG.debugf("graph %s loaded on %s", graph, provider);
        chosenProvider = provider;
    }
}
