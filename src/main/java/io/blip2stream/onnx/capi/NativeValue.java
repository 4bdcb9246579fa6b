package io.blip2stream.onnx.capi;

/**
 * An {@code OrtValue*} this process owns, wherever its memory is (host or device): the outputs of a
 * bound run. {@link #close()} releases it once.
 */
public final class NativeValue implements AutoCloseable {
    private final OrtCApi api;
    private long handle;

    NativeValue(OrtCApi api, long handle) {
        this.api = api;
        this.handle = handle;
    }

    /** The {@code OrtValue*}; 0 after {@link #close()}. */
    public long handle() {
        if (handle == 0) {
            throw new IllegalStateException("value already released");
        }
        return handle;
    }

    /** The data's address. Only for a value in host memory can Java read it. */
    public long hostData() {
        return api.tensorData(handle());
    }

    @Override
    public void close() {
        if (handle != 0) {
            long h = handle;
            handle = 0;
            api.releaseValue(h);
        }
    }
}
