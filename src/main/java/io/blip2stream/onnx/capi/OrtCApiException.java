package io.blip2stream.onnx.capi;

import io.blip2stream.onnx.OnnxRunException;

/** A C API call that ONNX Runtime answered with an error status (the request fails as INFERENCE_FAILED). */
public final class OrtCApiException extends OnnxRunException {
    public OrtCApiException(String message) {
        super(message, null);
    }
}
