package io.blip2stream.ops.live;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.messaging.RequestCompleted;

/**
 * One request as the live page shows it. Every text is capped and cleaned ({@link LiveText}).
 *
 * @param seq          position in the feed, from 1
 * @param at           when the result was ready (epoch milliseconds)
 * @param task         caption, vqa or chat
 * @param question     the question or raw prompt, if any
 * @param text         the answer or caption; null for an error
 * @param errorCode    the error code; null for a result
 * @param errorMessage the error message; null for a result
 * @param latencyMs    from arrival to result, when known
 * @param thumbnail    a JPEG data URL made by {@link Thumbnails}; null when there is no image to show
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LiveEntry(long seq, long at, String id, String task, String question, String text, String errorCode,
                        String errorMessage, Double latencyMs, String thumbnail) {

    static LiveEntry of(long seq, long at, RequestCompleted c, String thumbnail) {
        String text = null;
        String code = null;
        String message = null;
        switch (c.result()) {
            case ResultRecord r -> text = LiveText.cap(r.text(), LiveText.MAX_TEXT);
            case ErrorResult e -> {
                code = LiveText.cap(e.error().code(), 40);
                message = LiveText.cap(e.error().message(), LiveText.MAX_ERROR);
            }
        }
        Double latency = c.latencyMs() == null || !Double.isFinite(c.latencyMs()) ? null
                : Math.round(c.latencyMs() * 10) / 10.0;
        return new LiveEntry(seq, at, LiveText.cap(c.result().id(), LiveText.MAX_ID),
                c.result().task() == null ? null : c.result().task().wire(),
                LiveText.cap(c.question(), LiveText.MAX_QUESTION), text, code, message, latency, thumbnail);
    }
}
