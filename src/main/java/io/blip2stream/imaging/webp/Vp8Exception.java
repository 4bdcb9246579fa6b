package io.blip2stream.imaging.webp;

/** The data is not a decodable VP8 key frame (libwebp would refuse it too). */
public final class Vp8Exception extends RuntimeException {

    Vp8Exception(String message) {
        super(message);
    }
}
