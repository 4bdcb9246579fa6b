package io.blip2stream.batching;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Lowers the CPU priority of the calling thread: on Linux the nice value belongs to each thread
 * ({@code setpriority(PRIO_PROCESS, 0, nice)} changes the caller only). Elsewhere, or where the
 * call is refused, nothing changes.
 */
final class CpuPriority {

    private static final int PRIO_PROCESS = 0;
    private static final Optional<MethodHandle> SETPRIORITY = find();

    private CpuPriority() {
    }

    /**
     * Sets the calling thread's nice value ({@code 0} normal … {@code 19} lowest).
     *
     * @return whether it was set
     */
    static boolean lowerCurrentThread(int nice) {
        if (SETPRIORITY.isEmpty() || nice <= 0) {
            return false;
        }
        try {
            return (int) SETPRIORITY.get().invokeExact(PRIO_PROCESS, 0, Math.min(19, nice)) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    private static Optional<MethodHandle> find() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("setpriority").map(address -> linker.downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT)));
        } catch (RuntimeException | Error e) {   // no native access granted, or no C library
            return Optional.empty();
        }
    }
}
