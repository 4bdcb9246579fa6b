package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The claim check: reads an image named by URL, under a {@link FetchPolicy} and nothing else.
 * {@code file:} URLs must resolve (symbolic links included) under the configured root;
 * {@code http(s)} URLs must name an allow-listed host, and every redirect is checked the same way
 * (the HTTP client itself never follows one). Anything else is {@link ErrorCode#URL_NOT_ALLOWED};
 * a URL that is allowed but cannot be read is {@link ErrorCode#IMAGE_FETCH_FAILED}; more bytes
 * than allowed is {@link ErrorCode#IMAGE_TOO_LARGE}. Thread-safe.
 */
public final class ImageFetcher {

    private final FetchPolicy policy;
    private final HttpClient http;

    public ImageFetcher(FetchPolicy policy) {
        this.policy = policy;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(policy.timeout())
                .build();
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
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw timedOut(first);
            }
            HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(java.time.Duration.ofNanos(left)).build();
            HttpResponse<InputStream> response;
            try {
                response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                throw timedOut(first);
            } catch (IOException e) {
                throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot fetch " + uri + ": " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "interrupted while fetching " + uri, e);
            }
            int status = response.statusCode();
            if (status >= 300 && status < 400 && response.headers().firstValue("location").isPresent()) {
                close(response);
                if (hop >= policy.maxRedirects()) {
                    throw Blip2Exception.limit(ErrorCode.IMAGE_FETCH_FAILED, "the redirect count", hop + 1L,
                            policy.maxRedirects());
                }
                uri = uri.resolve(response.headers().firstValue("location").get());
                continue;
            }
            if (status != 200) {
                close(response);
                throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "GET " + uri + " answered HTTP " + status);
            }
            long declared = response.headers().firstValueAsLong("content-length").orElse(-1);
            if (declared > policy.maxBytes()) {
                close(response);
                throw Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the image size in bytes", declared,
                        policy.maxBytes());
            }
            try (InputStream in = response.body()) {
                return readLimited(in);
            } catch (HttpTimeoutException e) {
                throw timedOut(first);
            } catch (IOException e) {
                throw new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot read " + uri + ": " + e, e);
            }
        }
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

    private static Blip2Exception notAllowed(String url, String why) {
        return new Blip2Exception(ErrorCode.URL_NOT_ALLOWED, url + ": " + why);
    }

    private static void close(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // the response is abandoned either way
        }
    }
}
