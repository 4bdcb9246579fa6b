package io.blip2stream.cli;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The command line as an ordered list of options ({@code --name value} or a bare {@code --flag}),
 * kept in order because {@code --prompt} belongs to the {@code --image} before it.
 */
final class CliArgs {

    /** One option; {@code value} is null for a flag. */
    record Opt(String name, String value) {
    }

    private final List<Opt> opts;

    private CliArgs(List<Opt> opts) {
        this.opts = opts;
    }

    /** Parses against declared options (see {@link CliOption}). */
    static CliArgs parse(List<String> args, List<CliOption> options) {
        return parse(args, CliOption.flags(options), CliOption.valued(options));
    }

    /**
     * @param flags   options that take no value
     * @param valued  options that take one value
     * @throws Blip2Exception INVALID_REQUEST for an unknown option or a missing value
     */
    static CliArgs parse(List<String> args, Set<String> flags, Set<String> valued) {
        List<Opt> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String name = a;
            String inline = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                inline = a.substring(eq + 1);
            }
            if (flags.contains(name) && inline == null) {
                out.add(new Opt(name, null));
            } else if (valued.contains(name)) {
                if (inline != null) {
                    out.add(new Opt(name, inline));
                } else if (i + 1 < args.size()) {
                    out.add(new Opt(name, args.get(++i)));
                } else {
                    throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "option " + name + " needs a value");
                }
            } else if (flags.contains(name)) {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "option " + name + " takes no value");
            } else {
                throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "unknown option '" + a + "'");
            }
        }
        return new CliArgs(out);
    }

    List<Opt> all() {
        return opts;
    }

    boolean has(String name) {
        return opts.stream().anyMatch(o -> o.name().equals(name));
    }

    /** The last value given for {@code name}, or {@code fallback}. */
    String get(String name, String fallback) {
        String v = fallback;
        for (Opt o : opts) {
            if (o.name().equals(name)) {
                v = o.value();
            }
        }
        return v;
    }

    String require(String name) {
        String v = get(name, null);
        if (v == null) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, "option " + name + " is required");
        }
        return v;
    }

    /** The integer value of {@code name}, or {@code fallback} (may be null) when it is not given. */
    Integer getInt(String name, Integer fallback) {
        return parse(name, fallback, Integer::parseInt, "an integer");
    }

    /** The number value of {@code name}, or {@code fallback} (may be null) when it is not given. */
    Double getDouble(String name, Double fallback) {
        return parse(name, fallback, Double::parseDouble, "a number");
    }

    Long getLong(String name) {
        return parse(name, null, Long::parseLong, "an integer");
    }

    private <T> T parse(String name, T fallback, Function<String, T> parser, String what) {
        String v = get(name, null);
        try {
            return v == null ? fallback : parser.apply(v.trim());
        } catch (NumberFormatException e) {
            throw new Blip2Exception(ErrorCode.INVALID_REQUEST, name + " must be " + what + ", got '" + v + "'");
        }
    }
}
