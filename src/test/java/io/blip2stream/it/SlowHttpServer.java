package io.blip2stream.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A hostile claim-check store: answers every GET with a 200 declaring a megabyte and then drips
 * one byte every {@code dripMillis}, for as long as the client stays.
 */
final class SlowHttpServer implements AutoCloseable {

    private final ServerSocket server;
    private final long dripMillis;

    SlowHttpServer(long dripMillis) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.dripMillis = dripMillis;
        Thread.ofPlatform().name("slow-http").daemon(true).start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofPlatform().daemon(true).start(() -> drip(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void drip(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            int matched = 0;
            String end = "\r\n\r\n";
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                matched = b == end.charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (int i = 0; i < 1_048_576; i++) {
                TimeUnit.MILLISECONDS.sleep(dripMillis);
                out.write(0);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the client gave up, as it should
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
