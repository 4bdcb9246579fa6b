package io.blip2stream.onnx.capi;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * One bound run of a session: inputs are {@code OrtValue*}s wherever they live, outputs go into a
 * caller's tensor ({@link #output}) or are left to ONNX Runtime to allocate on a device
 * ({@link #outputOnDevice}), so a decoder's K/V can stay in GPU memory from one step to the next.
 * Not thread-safe; one per run, closed after it. After a failed call the binding is unusable (ONNX
 * Runtime may have recorded half of it): close it.
 */
public final class IoBinding implements AutoCloseable {
    private final OrtCApi api;
    private final long session;
    private MemorySegment binding;
    private int boundOutputs;

    public IoBinding(OrtCApi api, long session) {
        this.api = api;
        this.session = session;
        this.binding = api.createIoBinding(session);
    }

    public IoBinding input(String name, long value) {
        api.bindInput(live(), name, value);
        return this;
    }

    /** Output written into an existing tensor (e.g. a pinned host buffer). */
    public IoBinding output(String name, long value) {
        api.bindOutput(live(), name, value);
        boundOutputs++;
        return this;
    }

    /** Output allocated by ONNX Runtime in the memory {@code memoryInfo} describes. */
    public IoBinding outputOnDevice(String name, MemorySegment memoryInfo) {
        api.bindOutputToDevice(live(), name, memoryInfo);
        boundOutputs++;
        return this;
    }

    /**
     * Runs the session and hands over every bound output, in the order bound. The caller owns them,
     * including the values that wrap its own tensors (closing those releases the wrapper only).
     */
    public List<NativeValue> run() {
        api.runWithBinding(session, live());
        long[] handles = api.boundOutputValues(live());
        List<NativeValue> out = new ArrayList<>(handles.length);
        for (long h : handles) {
            out.add(new NativeValue(api, h));
        }
        if (out.size() != boundOutputs) {
            out.forEach(NativeValue::close);
            throw new OrtCApiException("bound " + boundOutputs + " outputs, got " + out.size());
        }
        return out;
    }

    private MemorySegment live() {
        if (binding == null) {
            throw new IllegalStateException("binding closed");
        }
        return binding;
    }

    @Override
    public void close() {
        if (binding != null) {
            MemorySegment b = binding;
            binding = null;
            api.releaseIoBinding(b);
        }
    }
}
