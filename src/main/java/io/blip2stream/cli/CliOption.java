package io.blip2stream.cli;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One option of a command, declared once: its name, the name of its value ({@code null} for a
 * flag) and one line of help. The parser and the usage text are both made from these.
 *
 * @param name  e.g. {@code --image}
 * @param value e.g. {@code FILE}; null for a flag that takes no value
 * @param help  what it does, one line
 */
record CliOption(String name, String value, String help) {

    static CliOption flag(String name, String help) {
        return new CliOption(name, null, help);
    }

    static CliOption valued(String name, String value, String help) {
        return new CliOption(name, value, help);
    }

    boolean isFlag() {
        return value == null;
    }

    static Set<String> flags(List<CliOption> options) {
        return options.stream().filter(CliOption::isFlag).map(CliOption::name).collect(Collectors.toUnmodifiableSet());
    }

    static Set<String> valued(List<CliOption> options) {
        return options.stream().filter(o -> !o.isFlag()).map(CliOption::name).collect(Collectors.toUnmodifiableSet());
    }

    /** {@code "  --image FILE          the image…"}, one line per option, names aligned. */
    static String table(List<CliOption> options) {
        int width = options.stream().mapToInt(o -> o.left().length()).max().orElse(0) + 2;
        StringBuilder sb = new StringBuilder();
        for (CliOption o : options) {
            sb.append("  ").append(o.left()).append(" ".repeat(width - o.left().length())).append(o.help()).append('\n');
        }
        return sb.toString();
    }

    private String left() {
        return isFlag() ? name : name + " " + value;
    }
}
