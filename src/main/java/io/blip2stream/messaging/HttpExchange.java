package io.blip2stream.messaging;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One HTTP/1.1 GET, to the address given (the one the caller resolved and checked, so a name that
 * resolves elsewhere a second time, DNS rebinding, is never connected to), under one deadline for
 * everything (connect, TLS handshake, headers, body: a watchdog closes the socket when it passes)
 * and an idle timeout for every read. {@code https} verifies the certificate against the URL's host
 * (SNI included). The body is read only for a 200, up to {@code maxBytes}; Content-Length, chunked
 * and read-to-close bodies are understood, nothing is decompressed.
 */
final class HttpExchange {

    /** What came back: a status, the {@code Location} header (or null), and the body of a 200. */
    record Response(int status, String location, byte[] body) {
    }

    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("blip2-fetch-deadline").daemon(true).factory());

    private final URI uri;
    private final long deadlineNanos;
    private final long idleMillis;
    private final int maxBytes;
    private final Supplier<Blip2Exception> timedOut;
    private final Supplier<Blip2Exception> idle;
    /** Whether the last read timeout was cut to the deadline (a timeout then is the deadline's). */
    private volatile boolean deadlineBound;

    /**
     * @param timedOut the error for a passed deadline
     * @param idle     the error for a read that waited longer than the idle timeout
     */
    HttpExchange(URI uri, long deadlineNanos, long idleMillis, int maxBytes, Supplier<Blip2Exception> timedOut,
                 Supplier<Blip2Exception> idle) {
        this.uri = uri;
        this.deadlineNanos = deadlineNanos;
        this.idleMillis = idleMillis;
        this.maxBytes = maxBytes;
        this.timedOut = timedOut;
        this.idle = idle;
    }

    Response get(InetAddress address) {
        boolean tls = uri.getScheme().equalsIgnoreCase("https");
        int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
        Socket socket = new Socket();
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> closeQuietly(socket), left(), TimeUnit.NANOSECONDS);
        try {
            socket.connect(new InetSocketAddress(address, port), (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(left())));
            Socket s = tls ? handshake(socket, port) : socket;
            OutputStream out = s.getOutputStream();
            out.write(request(port, tls).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Reader in = new Reader(s);
            String statusLine = in.line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw failed("not an HTTP/1.x response");
            }
            int status = parseStatus(parts[1]);
            Map<String, String> headers = in.headers();
            if (status != 200) {
                return new Response(status, headers.get("location"), null);
            }
            return new Response(status, null, body(in, headers));
        } catch (SocketTimeoutException e) {
            throw left() <= 0 || deadlineBound ? timedOut.get() : idle.get();
        } catch (IOException e) {
            throw left() <= 0 ? timedOut.get() : failed(e.toString());
        } finally {
            watchdog.cancel(false);
            closeQuietly(socket);
        }
    }

    private Socket handshake(Socket plain, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                .createSocket(plain, uri.getHost(), port, true);
        SSLParameters p = ssl.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(p);
        ssl.setSoTimeout(readTimeout());
        ssl.startHandshake();
        return ssl;
    }

    private String request(int port, boolean tls) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        boolean defaultPort = uri.getPort() < 0 || port == (tls ? 443 : 80);
        String host = uri.getHost().contains(":") ? "[" + uri.getHost() + "]" : uri.getHost();
        return "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + host + (defaultPort ? "" : ":" + port) + "\r\n"
                + "User-Agent: blip2-stream\r\n"
                + "Accept: */*\r\n"
                + "Accept-Encoding: identity\r\n"
                + "Connection: close\r\n\r\n";
    }

    private byte[] body(Reader in, Map<String, String> headers) throws IOException {
        String te = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
        if (te.contains("chunked")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = in.line();
                int semi = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw failed("bad chunk size");
                }
                if (size == 0) {
                    in.headers(); // trailers
                    return out.toByteArray();
                }
                checkSize(out.size() + size);
                in.copy(out, size);
                in.line(); // the CRLF after the chunk
            }
        }
        String length = headers.get("content-length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw failed("bad Content-Length");
            }
            checkSize(n);
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) n);
            in.copy(out, n);
            return out.toByteArray();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.copyToEnd(out, this::checkSize);
        return out.toByteArray();
    }

    private void checkSize(long n) {
        if (n > maxBytes) {
            throw Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the image size in bytes", n, maxBytes);
        }
    }

    private int parseStatus(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw failed("bad status " + s);
        }
    }

    private long left() {
        return deadlineNanos - System.nanoTime();
    }

    /** Each read waits at most the idle timeout, and never past the deadline. */
    private int readTimeout() {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(left());
        if (leftMs <= 0) {
            throw timedOut.get();
        }
        deadlineBound = leftMs <= idleMillis;
        return (int) Math.max(1, Math.min(idleMillis, leftMs));
    }

    private Blip2Exception failed(String why) {
        return new Blip2Exception(ErrorCode.IMAGE_FETCH_FAILED, "cannot fetch " + uri + ": " + why);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
    }

    /** Buffered reads from the socket, each under {@link #readTimeout()}. */
    private final class Reader {
        private final Socket socket;
        private final InputStream in;
        private final byte[] buf = new byte[16 * 1024]; // [16 KiB]
        private int pos;
        private int end;
        private int headerBytes;

        Reader(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
        }

        private boolean fill() throws IOException {
            socket.setSoTimeout(readTimeout());
            int n = in.read(buf);
            if (n < 0) {
                return false;
            }
            pos = 0;
            end = n;
            return true;
        }

        /** One CRLF- (or LF-) terminated line of the header section, without its terminator. */
        String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos == end && !fill()) {
                    throw failed("the connection closed inside the headers");
                }
                byte b = buf[pos++];
                if (++headerBytes > MAX_HEADER_BYTES) {
                    throw failed("more than " + MAX_HEADER_BYTES + " bytes of headers");
                }
                if (b == '\n') {
                    int len = sb.length();
                    return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
                }
                sb.append((char) (b & 0xFF));
            }
        }

        /** Header lines up to the empty one, names in lower case (the last value of a repeated name wins). */
        Map<String, String> headers() throws IOException {
            Map<String, String> h = new HashMap<>();
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                if (colon > 0) {
                    h.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
                }
            }
            return h;
        }

        void copy(ByteArrayOutputStream out, long n) throws IOException {
            long left = n;
            while (left > 0) {
                if (pos == end && !fill()) {
                    throw failed("the connection closed after " + (n - left) + " of " + n + " bytes");
                }
                int k = (int) Math.min(left, end - pos);
                out.write(buf, pos, k);
                pos += k;
                left -= k;
            }
        }

        void copyToEnd(ByteArrayOutputStream out, java.util.function.LongConsumer check) throws IOException {
            while (pos < end || fill()) {
                check.accept((long) out.size() + (end - pos));
                out.write(buf, pos, end - pos);
                pos = end;
            }
        }
    }
}
