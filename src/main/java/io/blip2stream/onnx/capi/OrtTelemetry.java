package io.blip2stream.onnx.capi;

import org.jboss.logging.Logger;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Keeps ONNX Runtime's telemetry off. Its Linux build (1.29) starts a telemetry system when the
 * first environment is created: it is built to upload usage events over HTTPS, writes
 * {@code /tmp/mat-debug-<pid>.log} at every start, and reads {@code /proc/self/cmdline} into a
 * fixed buffer, so that a process whose command line passes about 4 KB (e.g. {@code blip2 bench}
 * or {@code infer} given a hundred image paths) dies of a segmentation fault. ONNX Runtime honours
 * {@value #VARIABLE}; {@link #disable()} sets it in the process's environment (unless it is set
 * already: a deployment may opt in with {@code 0}) before the first environment is created. In a
 * native executable, where the FFM call is not available, the images' environment sets it.
 */
public final class OrtTelemetry {
    private static final Logger LOG = Logger.getLogger(OrtTelemetry.class);
    public static final String VARIABLE = "ORT_DISABLE_TELEMETRY";
    private static volatile boolean done;

    private OrtTelemetry() {
    }

    /** Sets {@value #VARIABLE}=1 unless set; call before the first {@code OrtEnvironment}. Never throws. */
    public static synchronized void disable() {
        if (done) {
            return;
        }
        done = true;
        if (System.getenv(VARIABLE) != null) {
            return;
        }
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MethodHandle> setenv = linker.defaultLookup().find("setenv").map(f -> linker.downcallHandle(f,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT)));
            if (setenv.isEmpty()) {
                return;   // not a POSIX C library: nothing reads the variable there either
            }
            try (Arena a = Arena.ofConfined()) {
                int rc = (int) setenv.get().invokeExact(a.allocateFrom(VARIABLE), a.allocateFrom("1"), 0);
                if (rc != 0) {
                    LOG.warnf("could not set %s (setenv returned %d): ONNX Runtime's telemetry stays on", VARIABLE, rc);
                }
            }
        } catch (Throwable t) {
            LOG.warnf("could not set %s (%s): ONNX Runtime's telemetry stays on; set it in the environment", VARIABLE, t);
        }
    }
}
