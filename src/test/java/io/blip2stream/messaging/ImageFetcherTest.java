package io.blip2stream.messaging;

import com.sun.net.httpserver.HttpServer;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The claim check against a real local HTTP server and a real directory. */
class ImageFetcherTest {

    private static final byte[] BODY = {1, 2, 3, 4, 5, 6, 7, 8};

    @TempDir
    Path dir;

    private Path root;
    private HttpServer http;
    private int port;
    private final CountDownLatch never = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectories(dir.resolve("root"));
        Files.write(root.resolve("a.png"), BODY);
        Files.createDirectories(root.resolve("sub"));
        Files.write(root.resolve("sub/b.png"), BODY);
        Files.write(dir.resolve("secret.txt"), BODY);
        Files.createSymbolicLink(root.resolve("link.png"), dir.resolve("secret.txt"));
        Files.write(root.resolve("big.png"), new byte[100]);

        http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        port = http.getAddress().getPort();
        http.createContext("/ok", ex -> {
            ex.sendResponseHeaders(200, BODY.length);
            ex.getResponseBody().write(BODY);
            ex.close();
        });
        http.createContext("/big", ex -> {
            ex.sendResponseHeaders(200, 0); // chunked: no declared length
            ex.getResponseBody().write(new byte[100]);
            ex.close();
        });
        http.createContext("/hop", ex -> redirect(ex, "http://localhost:" + port + "/ok"));
        http.createContext("/away", ex -> redirect(ex, "http://127.0.0.1:" + port + "/ok"));
        http.createContext("/loop", ex -> redirect(ex, "/loop"));
        http.createContext("/gone", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        http.createContext("/slow", ex -> {
            try {
                never.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        http.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        http.start();
    }

    @AfterEach
    void tearDown() {
        never.countDown();
        http.stop(0);
    }

    private static void redirect(com.sun.net.httpserver.HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().add("Location", to);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private ImageFetcher fetcher() {
        return new ImageFetcher(new FetchPolicy(Optional.of(root), Set.of("localhost"), 50, Duration.ofMillis(500), 2));
    }

    private static void fails(Runnable r, ErrorCode code) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.code()).isEqualTo(code));
    }

    @Test
    void readsFilesUnderTheRoot() {
        assertThat(fetcher().fetch("file:a.png")).isEqualTo(BODY);
        assertThat(fetcher().fetch("file:sub/b.png")).isEqualTo(BODY);
        assertThat(fetcher().fetch(root.resolve("a.png").toUri().toString())).isEqualTo(BODY);
    }

    @Test
    void refusesFilesOutsideTheRoot() {
        fails(() -> fetcher().fetch("file:../secret.txt"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch(dir.resolve("secret.txt").toUri().toString()), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("file:link.png"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("file:/etc/passwd"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("file://otherhost/a.png"), ErrorCode.URL_NOT_ALLOWED);
    }

    @Test
    void fileUrlsAreRefusedWithoutARoot() {
        ImageFetcher noRoot = new ImageFetcher(new FetchPolicy(Optional.empty(), Set.of(), 50, Duration.ofSeconds(1), 0));

        fails(() -> noRoot.fetch("file:a.png"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> noRoot.fetch("http://localhost:" + port + "/ok"), ErrorCode.URL_NOT_ALLOWED);
    }

    @Test
    void missingAndOversizedFiles() {
        fails(() -> fetcher().fetch("file:nope.png"), ErrorCode.IMAGE_FETCH_FAILED);
        fails(() -> fetcher().fetch("file:sub"), ErrorCode.IMAGE_FETCH_FAILED);
        assertThatThrownBy(() -> fetcher().fetch("file:big.png")).isInstanceOfSatisfying(Blip2Exception.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
            assertThat(e.limit()).hasValue(50);
        });
    }

    @Test
    void readsFromAllowedHostsAndFollowsAllowedRedirects() {
        assertThat(fetcher().fetch("http://localhost:" + port + "/ok")).isEqualTo(BODY);
        assertThat(fetcher().fetch("http://LOCALHOST:" + port + "/hop")).isEqualTo(BODY);
    }

    @Test
    void refusesOtherHostsSchemesAndRedirectsAway() {
        fails(() -> fetcher().fetch("http://127.0.0.1:" + port + "/ok"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("http://localhost:" + port + "/away"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("http://user@localhost:" + port + "/ok"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("ftp://localhost/a.png"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("gopher://localhost/"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("jar:file:/x.jar!/a.png"), ErrorCode.URL_NOT_ALLOWED);
        fails(() -> fetcher().fetch("not a url"), ErrorCode.URL_NOT_ALLOWED);
    }

    @Test
    void hostAndPortEntriesAllowOnlyThatPort() {
        FetchPolicy p = new FetchPolicy(Optional.empty(), Set.of("images.example:8443"), 1, Duration.ofSeconds(1), 0);

        assertThat(p.allows("images.example", 8443)).isTrue();
        assertThat(p.allows("images.example", 443)).isFalse();
        assertThat(p.allows("images.example", -1)).isFalse();
    }

    @Test
    void httpFailuresLimitsAndTimeouts() {
        fails(() -> fetcher().fetch("http://localhost:" + port + "/gone"), ErrorCode.IMAGE_FETCH_FAILED);
        fails(() -> fetcher().fetch("http://localhost:" + port + "/missing"), ErrorCode.IMAGE_FETCH_FAILED);
        fails(() -> fetcher().fetch("http://localhost:" + port + "/big"), ErrorCode.IMAGE_TOO_LARGE);
        assertThatThrownBy(() -> fetcher().fetch("http://localhost:" + port + "/loop"))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_FETCH_FAILED);
                    assertThat(e.limit()).hasValue(2);
                });
        assertThatThrownBy(() -> fetcher().fetch("http://localhost:" + port + "/slow"))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_FETCH_FAILED);
                    assertThat(e.limit()).hasValue(500);
                });
    }
}
