package io.blip2stream.onnx.capi;

import ai.onnxruntime.OrtEnvironment;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The functions of ONNX Runtime's C API that its Java API lacks (IoBinding, device memory info),
 * called through Java's FFM API on the very library that ONNX Runtime's jar has loaded. Each
 * function is a slot of {@code struct OrtApi}, which only ever grows at its end, so the slot
 * numbers below hold for every release since the function was added (all of them by API 2).
 * {@link #load()} fails with a reason, never a crash, where FFM or the library is not usable.
 * Every call that returns an {@code OrtStatus*} is checked; a failure throws {@link OrtCApiException}
 * with ONNX Runtime's message.
 */
public final class OrtCApi {
    // Slots in struct OrtApi (include/onnxruntime/core/session/onnxruntime_c_api.h).
    private static final int GET_ERROR_MESSAGE = 2;
    private static final int CREATE_RUN_OPTIONS = 39;
    private static final int GET_TENSOR_MUTABLE_DATA = 51;
    private static final int CREATE_MEMORY_INFO = 68;
    private static final int CREATE_CPU_MEMORY_INFO = 69;
    private static final int ALLOCATOR_FREE = 76;
    private static final int GET_ALLOCATOR_WITH_DEFAULT_OPTIONS = 78;
    private static final int RELEASE_STATUS = 93;
    private static final int RELEASE_MEMORY_INFO = 94;
    private static final int RELEASE_VALUE = 96;
    private static final int RUN_WITH_BINDING = 133;
    private static final int CREATE_IO_BINDING = 134;
    private static final int RELEASE_IO_BINDING = 135;
    private static final int BIND_INPUT = 136;
    private static final int BIND_OUTPUT = 137;
    private static final int BIND_OUTPUT_TO_DEVICE = 138;
    private static final int GET_BOUND_OUTPUT_VALUES = 140;
    private static final int SLOTS = 141;
    /** The API version asked of GetApi: every slot above exists from it on. */
    private static final int API_VERSION = 16;
    /** The library's SONAME; dlopen with RTLD_NOLOAD finds the copy ONNX Runtime's jar loaded. */
    private static final String SONAME = "libonnxruntime.so.1";

    /** enum OrtAllocatorType: OrtDeviceAllocator. */
    static final int DEVICE_ALLOCATOR = 0;
    /** enum OrtMemType: OrtMemTypeDefault. */
    static final int MEM_TYPE_DEFAULT = 0;

    private static volatile Optional<OrtCApi> loaded;
    private static volatile String whyNot;

    private final String version;
    private final MethodHandle getErrorMessage;
    private final MethodHandle releaseStatus;
    private final MethodHandle getTensorMutableData;
    private final MethodHandle createMemoryInfo;
    private final MethodHandle createCpuMemoryInfo;
    private final MethodHandle releaseMemoryInfo;
    private final MethodHandle allocatorFree;
    private final MethodHandle releaseValue;
    private final MethodHandle runWithBinding;
    private final MethodHandle createIoBinding;
    private final MethodHandle releaseIoBinding;
    private final MethodHandle bindInput;
    private final MethodHandle bindOutput;
    private final MethodHandle bindOutputToDevice;
    private final MethodHandle getBoundOutputValues;
    private final MemorySegment defaultAllocator;   // OrtAllocator*, owned by ONNX Runtime
    private final MemorySegment runOptions;         // OrtRunOptions*, lives as long as the process

    private OrtCApi(MemorySegment api, String version) throws Throwable {
        this.version = version;
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor statusOf1 = FunctionDescriptor.of(ADDRESS, ADDRESS);
        FunctionDescriptor statusOf2 = FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS);
        FunctionDescriptor statusOf3 = FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        FunctionDescriptor voidOf1 = FunctionDescriptor.ofVoid(ADDRESS);
        getErrorMessage = handle(linker, api, GET_ERROR_MESSAGE, statusOf1);
        releaseStatus = handle(linker, api, RELEASE_STATUS, voidOf1);
        getTensorMutableData = handle(linker, api, GET_TENSOR_MUTABLE_DATA, statusOf2);
        createMemoryInfo = handle(linker, api, CREATE_MEMORY_INFO,
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        createCpuMemoryInfo = handle(linker, api, CREATE_CPU_MEMORY_INFO,
                FunctionDescriptor.of(ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
        releaseMemoryInfo = handle(linker, api, RELEASE_MEMORY_INFO, voidOf1);
        allocatorFree = handle(linker, api, ALLOCATOR_FREE, statusOf2);
        releaseValue = handle(linker, api, RELEASE_VALUE, voidOf1);
        runWithBinding = handle(linker, api, RUN_WITH_BINDING, statusOf3);
        createIoBinding = handle(linker, api, CREATE_IO_BINDING, statusOf2);
        releaseIoBinding = handle(linker, api, RELEASE_IO_BINDING, voidOf1);
        bindInput = handle(linker, api, BIND_INPUT, statusOf3);
        bindOutput = handle(linker, api, BIND_OUTPUT, statusOf3);
        bindOutputToDevice = handle(linker, api, BIND_OUTPUT_TO_DEVICE, statusOf3);
        getBoundOutputValues = handle(linker, api, GET_BOUND_OUTPUT_VALUES,
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        MethodHandle getAllocator = handle(linker, api, GET_ALLOCATOR_WITH_DEFAULT_OPTIONS, statusOf1);
        MethodHandle createRunOptions = handle(linker, api, CREATE_RUN_OPTIONS, statusOf1);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((MemorySegment) getAllocator.invokeExact(out), "GetAllocatorWithDefaultOptions");
            defaultAllocator = out.get(ADDRESS, 0);
            check((MemorySegment) createRunOptions.invokeExact(out), "CreateRunOptions");
            runOptions = out.get(ADDRESS, 0);
        }
    }

    /**
     * The C API of the ONNX Runtime that the Java API has loaded (loading it first), or empty with
     * {@link #unavailableReason()} set: no native access (e.g. a native image without FFM
     * registrations), or the library not found.
     */
    public static Optional<OrtCApi> load() {
        Optional<OrtCApi> l = loaded;
        if (l == null) {
            synchronized (OrtCApi.class) {
                l = loaded;
                if (l == null) {
                    l = tryLoad();
                    loaded = l;
                }
            }
        }
        return l;
    }

    /** Why {@link #load()} came back empty; null when it did not. */
    public static String unavailableReason() {
        return whyNot;
    }

    private static Optional<OrtCApi> tryLoad() {
        try {
            OrtTelemetry.disable();
            OrtEnvironment.getEnvironment();   // makes the jar extract and load the library
            MemorySegment getApiBase = findGetApiBase()
                    .orElseThrow(() -> new IllegalStateException("OrtGetApiBase not found in the loaded " + SONAME));
            Linker linker = Linker.nativeLinker();
            MemorySegment base = ((MemorySegment) linker.downcallHandle(getApiBase, FunctionDescriptor.of(ADDRESS))
                    .invokeExact()).reinterpret(2 * ADDRESS.byteSize());   // struct OrtApiBase {GetApi, GetVersionString}
            MemorySegment versionString = (MemorySegment) linker.downcallHandle(base.get(ADDRESS, ADDRESS.byteSize()),
                    FunctionDescriptor.of(ADDRESS)).invokeExact();
            String version = versionString.reinterpret(64).getString(0);
            MemorySegment api = (MemorySegment) linker.downcallHandle(base.get(ADDRESS, 0),
                    FunctionDescriptor.of(ADDRESS, JAVA_INT)).invokeExact(API_VERSION);
            if (api.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("ONNX Runtime " + version + " refuses API version " + API_VERSION);
            }
            return Optional.of(new OrtCApi(api.reinterpret(SLOTS * ADDRESS.byteSize()), version));
        } catch (Throwable t) {
            whyNot = t.getClass().getSimpleName() + ": " + t.getMessage();
            return Optional.empty();
        }
    }

    /** OrtGetApiBase: through the loader's own lookup, else dlopen(RTLD_NOLOAD) of the SONAME or the mapped file. */
    private static Optional<MemorySegment> findGetApiBase() throws Throwable {
        Optional<MemorySegment> s = SymbolLookup.loaderLookup().find("OrtGetApiBase");
        if (s.isPresent()) {
            return s;
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle dlopen = linker.downcallHandle(linker.defaultLookup().find("dlopen").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        MethodHandle dlsym = linker.downcallHandle(linker.defaultLookup().find("dlsym").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        int rtldLazyNoload = 0x1 | 0x4;
        try (Arena a = Arena.ofConfined()) {
            for (String name : candidates()) {
                MemorySegment h = (MemorySegment) dlopen.invokeExact(a.allocateFrom(name), rtldLazyNoload);
                if (!h.equals(MemorySegment.NULL)) {
                    MemorySegment f = (MemorySegment) dlsym.invokeExact(h, a.allocateFrom("OrtGetApiBase"));
                    if (!f.equals(MemorySegment.NULL)) {
                        return Optional.of(f);
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** The SONAME, then every mapped file named libonnxruntime.so* (the jar extracts it to a temp dir). */
    private static java.util.List<String> candidates() {
        java.util.List<String> names = new java.util.ArrayList<>();
        names.add(SONAME);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash >= 0) {
                    String path = line.substring(slash);
                    String file = Path.of(path).getFileName().toString();
                    if (file.startsWith("libonnxruntime.so") && !names.contains(path)) {
                        names.add(path);
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: the SONAME alone
        }
        return names;
    }

    private static MethodHandle handle(Linker linker, MemorySegment api, int slot, FunctionDescriptor d) {
        MemorySegment fn = api.get(ADDRESS, slot * ADDRESS.byteSize());
        if (fn.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("OrtApi slot " + slot + " is empty");
        }
        return linker.downcallHandle(fn, d);
    }

    /** The loaded library's version string, e.g. "1.29.0". */
    public String version() {
        return version;
    }

    // --- status -------------------------------------------------------------------------------

    void check(MemorySegment status, String call) {
        if (status.equals(MemorySegment.NULL)) {
            return;
        }
        String message;
        try {
            message = ((MemorySegment) getErrorMessage.invokeExact(status)).reinterpret(4096).getString(0);
            releaseStatus.invokeExact(status);
        } catch (Throwable t) {
            message = "(no message: " + t + ")";
        }
        throw new OrtCApiException(call + " failed: " + message);
    }

    static RuntimeException rethrow(Throwable t, String call) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new OrtCApiException(call + " failed: " + t);
    }

    // --- memory info -----------------------------------------------------------------------------

    /** {@code OrtMemoryInfo*} of the CPU; the caller releases it with {@link #releaseMemoryInfo}. */
    public MemorySegment cpuMemoryInfo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((MemorySegment) createCpuMemoryInfo.invokeExact(DEVICE_ALLOCATOR, MEM_TYPE_DEFAULT, out),
                    "CreateCpuMemoryInfo");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t, "CreateCpuMemoryInfo");
        }
    }

    /**
     * {@code OrtMemoryInfo*} of a device ("Cuda" and the GPU ordinal); the caller releases it with
     * {@link #releaseMemoryInfo}.
     */
    public MemorySegment deviceMemoryInfo(String name, int deviceId) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((MemorySegment) createMemoryInfo.invokeExact(a.allocateFrom(name), DEVICE_ALLOCATOR, deviceId,
                    MEM_TYPE_DEFAULT, out), "CreateMemoryInfo(" + name + ")");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t, "CreateMemoryInfo");
        }
    }

    public void releaseMemoryInfo(MemorySegment info) {
        try {
            releaseMemoryInfo.invokeExact(info);
        } catch (Throwable t) {
            throw rethrow(t, "ReleaseMemoryInfo");
        }
    }

    // --- values ----------------------------------------------------------------------------------

    void releaseValue(long value) {
        try {
            releaseValue.invokeExact(MemorySegment.ofAddress(value));
        } catch (Throwable t) {
            throw rethrow(t, "ReleaseValue");
        }
    }

    /** The address of a tensor's data; host memory only for reading from Java. */
    long tensorData(long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((MemorySegment) getTensorMutableData.invokeExact(MemorySegment.ofAddress(value), out),
                    "GetTensorMutableData");
            return out.get(ADDRESS, 0).address();
        } catch (Throwable t) {
            throw rethrow(t, "GetTensorMutableData");
        }
    }

    // --- IoBinding -------------------------------------------------------------------------------

    MemorySegment createIoBinding(long session) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((MemorySegment) createIoBinding.invokeExact(MemorySegment.ofAddress(session), out), "CreateIoBinding");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t, "CreateIoBinding");
        }
    }

    void releaseIoBinding(MemorySegment binding) {
        try {
            releaseIoBinding.invokeExact(binding);
        } catch (Throwable t) {
            throw rethrow(t, "ReleaseIoBinding");
        }
    }

    void bindInput(MemorySegment binding, String name, long value) {
        bindNamed(bindInput, "BindInput", binding, name, MemorySegment.ofAddress(value));
    }

    void bindOutput(MemorySegment binding, String name, long value) {
        bindNamed(bindOutput, "BindOutput", binding, name, MemorySegment.ofAddress(value));
    }

    void bindOutputToDevice(MemorySegment binding, String name, MemorySegment memoryInfo) {
        bindNamed(bindOutputToDevice, "BindOutputToDevice", binding, name, memoryInfo);
    }

    /** BindInput, BindOutput, BindOutputToDevice: (OrtIoBinding*, const char* name, pointer) -> OrtStatus*. */
    private void bindNamed(MethodHandle fn, String call, MemorySegment binding, String name, MemorySegment what) {
        try (Arena a = Arena.ofConfined()) {
            check((MemorySegment) fn.invokeExact(binding, a.allocateFrom(name), what), call + "(" + name + ")");
        } catch (Throwable t) {
            throw rethrow(t, call);
        }
    }

    void runWithBinding(long session, MemorySegment binding) {
        try {
            check((MemorySegment) runWithBinding.invokeExact(MemorySegment.ofAddress(session), runOptions, binding),
                    "RunWithBinding");
        } catch (Throwable t) {
            throw rethrow(t, "RunWithBinding");
        }
    }

    /** The bound outputs in binding order, each an {@code OrtValue*} the caller now owns. */
    long[] boundOutputValues(MemorySegment binding) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment outArray = a.allocate(ADDRESS);
            MemorySegment outCount = a.allocate(JAVA_LONG);
            check((MemorySegment) getBoundOutputValues.invokeExact(binding, defaultAllocator, outArray, outCount),
                    "GetBoundOutputValues");
            long count = outCount.get(JAVA_LONG, 0);
            MemorySegment array = outArray.get(ADDRESS, 0);
            if (count == 0 || array.equals(MemorySegment.NULL)) {
                return new long[0];
            }
            MemorySegment values = array.reinterpret(count * ADDRESS.byteSize());
            long[] out = new long[(int) count];
            for (int i = 0; i < count; i++) {
                out[i] = values.getAtIndex(ValueLayout.ADDRESS, i).address();
            }
            check((MemorySegment) allocatorFree.invokeExact(defaultAllocator, array), "AllocatorFree");
            return out;
        } catch (Throwable t) {
            throw rethrow(t, "GetBoundOutputValues");
        }
    }
}
