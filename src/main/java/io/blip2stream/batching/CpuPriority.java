package io.blip2stream.batching;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Lowers the CPU priority of a thread: on Linux the nice value and the scheduling class belong to
 * each thread ({@code setpriority(PRIO_PROCESS, 0, nice)} and {@code sched_setscheduler(0, …)}
 * change the caller only). Elsewhere, or where the call is refused, nothing changes.
 */
public final class CpuPriority {

    private static final int PRIO_PROCESS = 0;
    private static final int SCHED_IDLE = 5;
    private static final Optional<MethodHandle> SETPRIORITY = find("setpriority",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final Optional<MethodHandle> SCHED_SETSCHEDULER = find("sched_setscheduler",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));

    private CpuPriority() {
    }

    /**
     * Sets the calling thread's nice value ({@code 0} normal … {@code 19} lowest).
     *
     * @return whether it was set
     */
    public static boolean lowerCurrentThread(int nice) {
        if (SETPRIORITY.isEmpty() || nice <= 0) {
            return false;
        }
        try {
            return (int) SETPRIORITY.get().invokeExact(PRIO_PROCESS, 0, Math.min(19, nice)) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Puts the calling thread in Linux's {@code SCHED_IDLE} class: it runs only on a core nothing
     * else wants, and a waking thread of normal priority takes the core from it at once (a nice
     * value only lowers its share, and it still delays the threads it shares a core with).
     *
     * @return whether it was set
     */
    static boolean idleCurrentThread() {
        return idleThread(0);
    }

    /**
     * Puts thread {@code tid} of this process ({@code 0}: the calling thread) in Linux's
     * {@code SCHED_IDLE} class, as {@link #idleCurrentThread()} does.
     *
     * @return whether it was set
     */
    public static boolean idleThread(int tid) {
        if (SCHED_SETSCHEDULER.isEmpty()) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            var param = arena.allocate(ValueLayout.JAVA_INT);   // struct sched_param { int sched_priority = 0; }
            param.set(ValueLayout.JAVA_INT, 0, 0);
            return (int) SCHED_SETSCHEDULER.get().invokeExact(tid, SCHED_IDLE, param) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    private static Optional<MethodHandle> find(String name, FunctionDescriptor descriptor) {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name).map(address -> linker.downcallHandle(address, descriptor));
        } catch (RuntimeException | Error e) {   // no native access granted, or no C library
            return Optional.empty();
        }
    }
}
