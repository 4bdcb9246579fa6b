package io.blip2stream.messaging;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the claim-check fetcher may read.
 *
 * @param fileRoot     {@code file:} URLs must resolve under this directory; empty disables {@code file:}
 * @param allowedHosts {@code http(s)} URLs must name one of these hosts (lower case, exact; a
 *                     {@code host:port} entry allows only that port); empty disables http(s)
 * @param maxBytes     most bytes read from one URL
 * @param timeout      connect + read time for one URL, redirects included
 * @param maxRedirects most redirects followed (each to an allowed host)
 */
public record FetchPolicy(Optional<Path> fileRoot, Set<String> allowedHosts, int maxBytes, Duration timeout,
                          int maxRedirects) {

    public FetchPolicy {
        allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        if (maxBytes < 1 || timeout.isNegative() || timeout.isZero() || maxRedirects < 0) {
            throw new IllegalArgumentException("need max-bytes >= 1, timeout > 0, max-redirects >= 0");
        }
    }

    /** Whether {@code host} (and {@code port}, -1 for the scheme's default) is allowed. */
    public boolean allows(String host, int port) {
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        return allowedHosts.contains(h) || (port >= 0 && allowedHosts.contains(h + ":" + port));
    }
}
