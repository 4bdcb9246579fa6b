package io.blip2stream.onnx.capi;

/**
 * A C API call that ONNX Runtime answered with an error status (the request fails as
 * INFERENCE_FAILED, as for an {@code OnnxRunException} of the Java API). This package sits below
 * {@code io.blip2stream.onnx} and knows nothing of it.
 */
public final class OrtCApiException extends RuntimeException {
    public OrtCApiException(String message) {
        super(message);
    }
}
