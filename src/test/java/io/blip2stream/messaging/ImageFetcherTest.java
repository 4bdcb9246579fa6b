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
import java.util.List;
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

    /** Loopback is internal: these tests allow it explicitly, as the service's test configuration does. */
    private static final List<Cidr> LOOPBACK = List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128"));

    private ImageFetcher fetcher() {
        return new ImageFetcher(new FetchPolicy(Optional.of(root), Set.of("localhost"), 50, Duration.ofMillis(500), 2)
                .withAllowedNetworks(LOOPBACK));
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

    /**
     * A raw HTTP server: answers every connection with a 200 declaring {@code length} bytes, sends
     * {@code first} of them at once, then one more every {@code dripMillis} (never, when 0) until
     * the client goes away.
     */
    private static final class DripServer implements AutoCloseable {
        final java.net.ServerSocket server;
        private final Thread acceptor;
        final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

        DripServer(int length, int first, long dripMillis) throws IOException {
            server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            acceptor = Thread.ofPlatform().daemon(true).start(() -> {
                while (!server.isClosed()) {
                    try {
                        java.net.Socket s = server.accept();
                        accepted.incrementAndGet();
                        Thread.ofPlatform().daemon(true).start(() -> serve(s, length, first, dripMillis));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private static void serve(java.net.Socket s, int length, int first, long dripMillis) {
            try (s) {
                java.io.InputStream in = s.getInputStream();
                int matched = 0;
                while (matched < 4) { // up to the end of the request headers
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                }
                java.io.OutputStream out = s.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\n")
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                out.write(new byte[first]);
                out.flush();
                for (int sent = first; sent < length; sent++) {
                    if (dripMillis == 0) {
                        new CountDownLatch(1).await(30, TimeUnit.SECONDS);
                        return;
                    }
                    TimeUnit.MILLISECONDS.sleep(dripMillis);
                    out.write(0);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the client went away
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            acceptor.interrupt();
        }
    }

    private static FetchPolicy shortPolicy(long totalMs, long idleMs) {
        return new FetchPolicy(Optional.empty(), Set.of("localhost"), 1 << 20, Duration.ofMillis(totalMs), 0,
                Duration.ofMillis(idleMs), 2, LOOPBACK);
    }

    @Test
    void aBodyThatDripsIsCutAtTheTotalDeadline() throws Exception {
        try (DripServer drip = new DripServer(100_000, 10, 50)) { // a byte every 50 ms: never idle for long
            ImageFetcher fetcher = new ImageFetcher(shortPolicy(800, 500));
            long t0 = System.nanoTime();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                    assertThatThrownBy(() -> fetcher.fetch("http://localhost:" + drip.port() + "/drip"))
                            .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                                assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_FETCH_FAILED);
                                assertThat(e.limit()).hasValue(800);
                            }));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aBodyThatStopsIsCutAtTheIdleTimeout() throws Exception {
        try (DripServer stall = new DripServer(1000, 10, 0)) {
            ImageFetcher fetcher = new ImageFetcher(shortPolicy(20_000, 300));
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(10), () ->
                    assertThatThrownBy(() -> fetcher.fetch("http://localhost:" + stall.port() + "/stall"))
                            .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                                assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_FETCH_FAILED);
                                assertThat(e.limit()).hasValue(300);
                                assertThat(e.detail()).contains("stalled");
                            }));
        }
    }

    @Test
    void anAllowListedNameThatResolvesInwardIsRefused() {
        ImageFetcher noInternal = new ImageFetcher(new FetchPolicy(Optional.empty(), Set.of("localhost"), 50,
                Duration.ofSeconds(1), 0));
        assertThatThrownBy(() -> noInternal.fetch("http://localhost:" + port + "/ok"))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.URL_NOT_ALLOWED);
                    assertThat(e.detail()).contains("loopback");
                });
        ImageFetcher metadata = new ImageFetcher(new FetchPolicy(Optional.empty(), Set.of("images.example"), 50,
                Duration.ofSeconds(1), 0).withAllowedNetworks(LOOPBACK),
                host -> new java.net.InetAddress[]{java.net.InetAddress.getLoopbackAddress(),
                        java.net.InetAddress.getByName("169.254.169.254")});
        fails(() -> metadata.fetch("http://images.example:" + port + "/ok"), ErrorCode.URL_NOT_ALLOWED);
        for (String internal : List.of("10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0", "::1",
                "fd00::1", "fe80::1", "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe")) {
            ImageFetcher f = new ImageFetcher(new FetchPolicy(Optional.empty(), Set.of("images.example"), 50,
                    Duration.ofSeconds(1), 0), host -> new java.net.InetAddress[]{java.net.InetAddress.getByName(internal)});
            assertThatThrownBy(() -> f.fetch("http://images.example/a.png")).as(internal)
                    .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.URL_NOT_ALLOWED));
        }
    }

    @Test
    void theFetchConnectsToTheAddressItCheckedAndResolvesOnlyOnce() {
        java.util.concurrent.atomic.AtomicInteger lookups = new java.util.concurrent.atomic.AtomicInteger();
        // DNS rebinding: the first answer passes the check, every later one points inward
        ImageFetcher fetcher = new ImageFetcher(new FetchPolicy(Optional.empty(), Set.of("images.example"), 50,
                Duration.ofSeconds(2), 0).withAllowedNetworks(List.of(Cidr.parse("127.0.0.1/32"))),
                host -> new java.net.InetAddress[]{lookups.getAndIncrement() == 0
                        ? java.net.InetAddress.getByName("127.0.0.1") : java.net.InetAddress.getByName("169.254.169.254")});

        assertThat(fetcher.fetch("http://images.example:" + port + "/ok")).isEqualTo(BODY);
        assertThat(lookups).hasValue(1);
    }
}
