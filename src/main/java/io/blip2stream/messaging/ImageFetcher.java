package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The claim check: reads an image named by URL, under a {@link FetchPolicy} and nothing else.
 * {@code file:} URLs must resolve (symbolic links included) under the configured root;
 * {@code http(s)} URLs must name an allow-listed host whose addresses are not internal (loopback,
 * private, link-local: {@link FetchPolicy#denies}), the connection goes to the address checked,
 * and every redirect is checked the same way. One deadline bounds a whole fetch, redirects
 * included, and an idle timeout every read ({@link HttpExchange}). Anything else is {@link ErrorCode#URL_NOT_ALLOWED};
 * a URL that is allowed but cannot be read is {@link ErrorCode#IMAGE_FETCH_FAILED}; more bytes
 * than allowed is {@link ErrorCode#IMAGE_TOO_LARGE}. Thread-safe.
 */
public final class ImageFetcher {

    /** Name resolution, {@link InetAddress#getAllByName} outside tests. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final FetchPolicy policy;
    private final Resolver resolver;

    public ImageFetcher(FetchPolicy policy) {
        this(policy, InetAddress::getAllByName);
    }

    public ImageFetcher(FetchPolicy policy, Resolver resolver) {
        this.policy = policy;
        this.resolver = resolver;
    }

    /**
     * The lane of a URL for {@link HostLanes}: its scheme, host and port as written (file: URLs
     * share one lane).
     */
    public static String laneOf(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
            return scheme + "://" + host + ":" + uri.getPort();
        } catch (URISyntaxException e) {
            return "";
        }
    }

    public byte[] fetch(String url) {
        URI uri = parse(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> readFile(uri);
            case "http", "https" -> readHttp(uri);
            default -> throw notAllowed(url, "scheme '" + scheme + "' is not allowed");
        };
    }

    private static URI parse(String url) {
        try {
            return new URI(url);
        } catch (URISyntaxException e) {
            throw new Blip2Exception(ErrorCode.URL_NOT_ALLOWED, "not a valid URL: " + e.getMessage(), e);
        }
    }

    private byte[] readFile(URI uri) {
        Path root = policy.fileRoot().orElseThrow(() -> notAllowed(uri.toString(), "file: URLs are disabled"));
        if (uri.getAuthority() != null && !uri.getAuthority().isEmpty()) {
            throw notAllowed(uri.toString(), "file: URLs must not name a host");
        }
        String raw = uri.getPath() != null ? uri.getPath() : uri.getSchemeSpecificPart();
        Path path;
        Path realRoot;
        try {
            realRoot = root.toRealPath();
            Path candidate = raw.startsWith("/") ? Path.of(raw) : realRoot.resolve(raw);
            if (!candidate.normalize().startsWith(realRoot)) {
                throw notAllowed(uri.toString(), "the path is outside the file root");
            }
            path = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "no such file: " + uri, e);
        } catch (IOException e) {
            throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot read " + uri + ": " + e.getMessage(), e);
        }
        if (!path.startsWith(realRoot)) {
            throw notAllowed(uri.toString(), "the path is outside the file root");
        }
        if (!Files.isRegularFile(path)) {
            throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "not a regular file: " + uri);
        }
        try (InputStream in = Files.newInputStream(path)) {
            return readLimited(in);
        } catch (IOException e) {
            throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    private byte[] readHttp(URI first) {
        long deadline = System.nanoTime() + policy.timeout().toNanos();
        URI uri = first;
        for (int hop = 0; ; hop++) {
            checkHost(uri);
            InetAddress address = resolve(uri);
            HttpExchange.Response response = new HttpExchange(uri, deadline, policy.idleTimeout().toMillis(),
                    policy.maxBytes(), () -> timedOut(first), () -> idle(first)).get(address);
            int status = response.status();
            if (status >= 300 && status < 400 && response.location() != null) {
                if (hop >= policy.maxRedirects()) {
                    throw Blip2Exception.limit(ErrorCode.IMAGE_FETCH_FAILED, "the redirect count", hop + 1L,
                            policy.maxRedirects());
                }
                try {
                    uri = uri.resolve(new URI(response.location()));
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw notAllowed(response.location(), "not a valid redirect: " + e.getMessage());
                }
                continue;
            }
            if (status != 200) {
                throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "GET " + uri + " answered HTTP " + status);
            }
            return response.body();
        }
    }

    /**
     * Resolves the URL's host once and checks every address it resolves to: one internal address
     * (loopback, private, link-local, … outside {@link FetchPolicy#allowedNetworks()}) refuses the
     * URL. The fetch then connects to the address checked here, never resolving the name again.
     */
    private InetAddress resolve(URI uri) {
        InetAddress[] all;
        try {
            all = resolver.resolve(uri.getHost());
        } catch (UnknownHostException e) {
            throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot resolve " + uri.getHost(), e);
        }
        if (all.length == 0) {
            throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot resolve " + uri.getHost());
        }
        for (InetAddress a : all) {
            policy.denies(a).ifPresent(why -> {
                throw notAllowed(uri.toString(), "host '" + uri.getHost() + "' resolves to " + why);
            });
        }
        return all[0];
    }

    private void checkHost(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw notAllowed(uri.toString(), "scheme '" + scheme + "' is not allowed");
        }
        if (uri.getRawUserInfo() != null) {
            throw notAllowed(uri.toString(), "URLs with user info are not allowed");
        }
        if (!policy.allows(uri.getHost(), uri.getPort())) {
            throw notAllowed(uri.toString(), "host '" + uri.getHost() + "' is not on the allow-list");
        }
    }

    private byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16 * 1024]; // [16 KiB]
        long total = 0;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
            if (total > policy.maxBytes()) {
                throw Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the image size in bytes", total,
                        policy.maxBytes());
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private Blip2Exception timedOut(URI uri) {
        long ms = policy.timeout().toMillis();
        return new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "fetching " + uri + " took longer than " + ms + " ms",
                ms, null);
    }

    private Blip2Exception idle(URI uri) {
        long ms = policy.idleTimeout().toMillis();
        return new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "fetching " + uri + " stalled: no byte for " + ms
                + " ms", ms, null);
    }

    private static Blip2Exception notAllowed(String url, String why) {
        return new Blip2Exception(ErrorCode.URL_NOT_ALLOWED, url + ": " + why);
    }

}
