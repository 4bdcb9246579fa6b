package io.blip2stream.onnx;

/** A graph run that failed inside ONNX Runtime (the request fails as INFERENCE_FAILED). */
public class OnnxRunException extends RuntimeException {
    public OnnxRunException(String message, Throwable cause) {
        super(message, cause);
    }
}
