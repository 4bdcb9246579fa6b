package io.blip2stream.messaging;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the claim-check fetcher may read, and for how long.
 *
 * @param fileRoot        {@code file:} URLs must resolve under this directory; empty disables {@code file:}
 * @param allowedHosts    {@code http(s)} URLs must name one of these hosts (lower case, exact; a
 *                        {@code host:port} entry allows only that port); empty disables http(s)
 * @param maxBytes        most bytes read from one URL
 * @param timeout         the whole fetch of one URL: name resolution, connect, TLS, headers and
 *                        body, redirects included
 * @param maxRedirects    most redirects followed (each to an allowed host)
 * @param idleTimeout     longest wait for the next byte of a response
 * @param maxPerHost      most fetches from one host at a time (the others wait their turn without a thread)
 * @param allowedNetworks address ranges exempt from the deny list (loopback, private, link-local, …)
 */
public record FetchPolicy(Optional<Path> fileRoot, Set<String> allowedHosts, int maxBytes, Duration timeout,
                          int maxRedirects, Duration idleTimeout, int maxPerHost, List<Cidr> allowedNetworks) {

    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_MAX_PER_HOST = 2;

    public FetchPolicy {
        allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        allowedNetworks = List.copyOf(allowedNetworks);
        if (maxBytes < 1 || timeout.isNegative() || timeout.isZero() || maxRedirects < 0 || idleTimeout.isNegative()
                || idleTimeout.isZero() || maxPerHost < 1) {
            throw new IllegalArgumentException(
                    "need max-bytes >= 1, timeout > 0, max-redirects >= 0, idle-timeout > 0, max-per-host >= 1");
        }
    }

    /** The given policy with the default idle timeout (at most {@code timeout}), per-host limit and no allowed networks. */
    public FetchPolicy(Optional<Path> fileRoot, Set<String> allowedHosts, int maxBytes, Duration timeout,
                       int maxRedirects) {
        this(fileRoot, allowedHosts, maxBytes, timeout, maxRedirects,
                timeout.compareTo(DEFAULT_IDLE_TIMEOUT) < 0 ? timeout : DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_PER_HOST,
                List.of());
    }

    /** Whether {@code host} (and {@code port}, -1 for the scheme's default) is allowed. */
    public boolean allows(String host, int port) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return allowedHosts.contains(h) || (port >= 0 && allowedHosts.contains(h + ":" + port));
    }

    /**
     * Why a resolved address may not be connected to (loopback, link-local, private, …), or empty
     * when it may; an address inside {@link #allowedNetworks} always may.
     */
    public Optional<String> denies(InetAddress address) {
        for (Cidr c : allowedNetworks) {
            if (c.contains(address)) {
                return Optional.empty();
            }
        }
        return InternalAddresses.why(address);
    }

    public FetchPolicy withAllowedNetworks(List<Cidr> networks) {
        return new FetchPolicy(fileRoot, allowedHosts, maxBytes, timeout, maxRedirects, idleTimeout, maxPerHost,
                networks);
    }

    public FetchPolicy withIdleTimeout(Duration idle) {
        return new FetchPolicy(fileRoot, allowedHosts, maxBytes, timeout, maxRedirects, idle, maxPerHost,
                allowedNetworks);
    }
}
