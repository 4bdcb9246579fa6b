package io.blip2stream.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's memory figures from /proc/self/status (Linux; -1 elsewhere) and its CPU time. */
final class ProcStatus {
    private ProcStatus() {
    }

    /** The value of a kB line such as {@code VmHWM} (peak RSS) or {@code VmRSS}. */
    static long kilobytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time of the whole process (all threads), in nanoseconds; -1 where unknown. */
    static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
