package io.blip2stream.model;

/** A bundle directory that cannot be used: missing file, unknown family, unsupported format. */
public class BundleException extends RuntimeException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
