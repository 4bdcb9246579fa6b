package io.blip2stream.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What a request asks for; decides the prompt format and the output topic. */
public enum Task {
    CAPTION, VQA, CHAT;

    /** The lower-case name used on the wire. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Captions go to the captions topic; vqa and chat results to the answers topic. */
    public boolean isCaption() {
        return this == CAPTION;
    }

    /** Parses a wire name; an unknown name is an {@link ErrorCode#INVALID_REQUEST}. */
    @JsonCreator
    public static Task parse(String wire) {
        if (wire != null) {
            for (Task t : values()) {
                if (t.wire().equals(wire.trim().toLowerCase(Locale.ROOT))) {
                    return t;
                }
            }
        }
        throw new Blip2Exception(ErrorCode.INVALID_REQUEST,
                "task must be one of caption, vqa, chat; got '" + Echo.cap(wire, Echo.MAX_TASK_BYTES) + "'");
    }
}
