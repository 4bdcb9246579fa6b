package io.blip2stream.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/** Linux's {@code sched_setscheduler(tid, SCHED_IDLE, {0})} for one thread, through the FFM API. */
final class SchedIdle {

    private static final int SCHED_IDLE = 5;
    private static final Optional<MethodHandle> CALL = find();

    private SchedIdle() {
    }

    /** Whether thread {@code tid} is now in the idle class. */
    static boolean set(int tid) {
        if (CALL.isEmpty()) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment param = arena.allocate(ValueLayout.JAVA_INT);   // struct sched_param { int sched_priority = 0; }
            return (int) CALL.get().invokeExact(tid, SCHED_IDLE, param) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    private static Optional<MethodHandle> find() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("sched_setscheduler").map(a -> linker.downcallHandle(a,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                            ValueLayout.ADDRESS)));
        } catch (RuntimeException | Error e) {
            return Optional.empty();
        }
    }
}
