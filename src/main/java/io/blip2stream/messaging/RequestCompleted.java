package io.blip2stream.messaging;

import io.blip2stream.api.WireResult;

/**
 * A record's result is ready and handed to the result writer: a CDI event the service fires once
 * per consumed record, for observers that watch the stream (the live page
 * in ops.live). Observers run on the thread that completed the record
 * (usually the inference worker), so they must only take note and return; whatever they throw is
 * logged and never reaches the delivery of the result.
 *
 * @param result    what is written for the record (a result or an error result)
 * @param question  the question asked (vqa, chat) or the raw prompt; null for a caption or a record
 *                  rejected before it was read
 * @param image     the encoded image bytes; null when the record never got that far (rejected,
 *                  or its claim-check fetch failed). Observers must not modify them.
 * @param latencyMs from the record's arrival to its result, when known; null otherwise
 */
public record RequestCompleted(WireResult result, String question, byte[] image, Double latencyMs) {
}
