package io.blip2stream.ops.live;

/**
 * The stream's figures for the live page.
 *
 * @param perSecond  results (errors included) per second over the last 10 s
 * @param results    results since start, errors included
 * @param errors     error results since start
 * @param queueDepth requests waiting for a batch
 * @param inFlight   requests received and not yet acknowledged
 * @param skipped    results the page did not show because it was busy (its queue was full)
 */
public record LiveStats(double perSecond, long results, long errors, long queueDepth, long inFlight, long skipped) {
}
