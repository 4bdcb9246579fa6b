package io.blip2stream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of one process, in total and per thread group, read from Linux's {@code /proc}: where
 * the CPU went between two snapshots. Threads are grouped by name without their trailing number
 * ({@code GC Thread#0} and {@code GC Thread#1} are {@code GC Thread#}). Elsewhere than on Linux
 * only the total is known (from {@link ProcessHandle}).
 *
 * @param totalNanos process CPU time, user + system, every thread that ever ran included
 * @param byGroup    clock ticks of the live threads by thread group
 */
record ThreadCpu(long totalNanos, Map<String, Long> byGroup) {

    /** Linux's USER_HZ, the unit of the per-thread times in {@code /proc} on every common kernel. */
    private static final long TICK_NANOS = 10_000_000L;

    static ThreadCpu of(ProcessHandle process) {
        long total = process.info().totalCpuDuration().map(d -> d.toNanos()).orElse(0L);
        Map<String, Long> groups = new HashMap<>();
        Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
        if (Files.isDirectory(tasks)) {
            try (Stream<Path> list = Files.list(tasks)) {
                for (Path task : list.toList()) {
                    readTask(task, groups);
                }
            } catch (IOException e) {
                // the process ended: the totals are what is left
            }
        }
        return new ThreadCpu(total, groups);
    }

    private static void readTask(Path task, Map<String, Long> groups) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            // pid (comm) state ppid … ; utime and stime are the 12th and 13th fields after ')'
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            groups.merge(group(name), ticks, Long::sum);
        } catch (IOException | RuntimeException e) {
            // the thread ended between listing and reading
        }
    }

    /** A thread name without its trailing instance number and separators. */
    static String group(String name) {
        return name.replaceAll("[-_#0-9 ]+$", "");
    }

    /** CPU used since {@code before}, as a line: total seconds, cores over {@code wallNanos}, top groups. */
    String since(ThreadCpu before, long wallNanos, int topGroups) {
        double seconds = (totalNanos - before.totalNanos) / 1e9;
        Map<String, Long> delta = new HashMap<>();
        byGroup.forEach((g, t) -> delta.put(g, t - before.byGroup.getOrDefault(g, 0L)));
        List<Map.Entry<String, Long>> top = delta.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()))
                .limit(topGroups)
                .toList();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.1f s CPU (%.2f cores)", seconds,
                seconds / (wallNanos / 1e9)));
        if (!top.isEmpty()) {
            line.append(":");
            for (Map.Entry<String, Long> e : top) {
                line.append(String.format(Locale.ROOT, " %s %.1f s,", e.getKey(), e.getValue() * TICK_NANOS / 1e9));
            }
            line.setLength(line.length() - 1);
        }
        return line.toString();
    }
}
