package io.blip2stream.ops.live;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;
import io.blip2stream.api.ErrorResult;
import io.blip2stream.api.RecordSource;
import io.blip2stream.api.ResultRecord;
import io.blip2stream.api.Task;
import io.blip2stream.api.TimingMs;
import io.blip2stream.messaging.RequestCompleted;
import io.blip2stream.imaging.ImageLimits;
import io.blip2stream.testing.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The live feed's bounds and texts, without the service: a ring of the last N, capped text, small thumbnails. */
class LiveFeedTest {

    private static final RecordSource SOURCE = new RecordSource("t", 0, 1);
    private final LiveFeed feed = new LiveFeed();

    @AfterEach
    void stop() {
        feed.stop();
    }

    private void start(int capacity) {
        feed.registry = new SimpleMeterRegistry();
        feed.start(true, capacity, 64, ImageLimits.defaults());
    }

    private static RequestCompleted caption(String id, String text, byte[] image) {
        return new RequestCompleted(new ResultRecord(id, Task.CAPTION, text, null, "eos", null, "m", 1,
                new TimingMs(1, 2, 3, 4, 12.34), SOURCE), null, image, 12.34);
    }

    @Test
    void holdsTheLastEntriesOnlyAndGivesEveryLaterOneToListeners() {
        start(5);
        List<LiveEntry> heard = new ArrayList<>();
        for (int i = 1; i <= 12; i++) {
            feed.completed(caption("r" + i, "text " + i, null));
            int n = i;
            await().atMost(Duration.ofSeconds(10)).until(() -> !feed.entries().isEmpty()
                    && feed.entries().getLast().seq() == n);
            if (i == 9) {
                feed.subscribe(new LiveFeed.Listener() {
                    @Override
                    public void entry(LiveEntry entry) {
                        heard.add(entry);
                    }

                    @Override
                    public void stats(LiveStats stats) {
                    }
                });
            }
        }

        assertThat(feed.entries()).extracting(LiveEntry::id).containsExactly("r8", "r9", "r10", "r11", "r12");
        // on subscribing, the five held (r5..r9), then each new one
        assertThat(heard).extracting(LiveEntry::id).containsExactly("r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12");
        assertThat(feed.stats().results()).isEqualTo(12);
        assertThat(feed.stats().errors()).isZero();
    }

    @Test
    void errorsAndHostileTextsAreCappedAndCleaned() {
        start(4);
        String longId = "x".repeat(10_000);
        feed.completed(new RequestCompleted(ErrorResult.of(longId, Task.VQA,
                new Blip2Exception(ErrorCode.INVALID_IMAGE, "bad\u0000bytes " + "y".repeat(5000)), SOURCE),
                "<b>q</b>\u0007\uD800", new byte[]{1, 2, 3}, 5.0));
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.entries().size() == 1);

        LiveEntry e = feed.entries().getFirst();
        assertThat(e.id()).hasSize(LiveText.MAX_ID + 1).endsWith("…");
        assertThat(e.errorCode()).isEqualTo("INVALID_IMAGE");
        assertThat(e.errorMessage()).startsWith("bad\uFFFDbytes").hasSize(LiveText.MAX_ERROR + 1);
        assertThat(e.question()).isEqualTo("<b>q</b>\uFFFD\uFFFD");
        assertThat(e.text()).isNull();
        assertThat(e.thumbnail()).as("undecodable bytes get no thumbnail").isNull();
        assertThat(feed.stats().errors()).isEqualTo(1);
    }

    @Test
    void thumbnailsAreSmallJpegsTheRightWayUp() throws Exception {
        start(4);
        // 224x200 with EXIF orientation 6: shown rotated, 200 wide and 224 high
        feed.completed(caption("exif", "t", Fixtures.imageBytes("jpeg_exif_6_224x200.jpg")));
        await().atMost(Duration.ofSeconds(10)).until(() -> feed.entries().size() == 1);

        String url = feed.entries().getFirst().thumbnail();
        assertThat(url).startsWith("data:image/jpeg;base64,");
        BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(url.substring("data:image/jpeg;base64,".length()))));
        assertThat(thumb.getHeight()).isEqualTo(64);
        assertThat(thumb.getWidth()).isEqualTo(57);
        assertThat(url.length()).isLessThan(8000);
    }

    @Test
    void smallImagesAreNotEnlargedAndBadSidesAreRefused() {
        Thumbnails t = new Thumbnails(ImageLimits.defaults(), 96);
        assertThat(t.dataUrl(Fixtures.imageBytes("tiny_7x5.png"))).isPresent();
        assertThat(t.dataUrl(new byte[0])).isEmpty();
        assertThatThrownBy(() -> new Thumbnails(ImageLimits.defaults(), 4096))
                .hasMessageContaining("8..512");
    }

    @Test
    void aDisabledFeedCountsButKeepsNothing() {
        feed.registry = new SimpleMeterRegistry();
        feed.start(false, 48, 96, ImageLimits.defaults());

        feed.completed(caption("r1", "t", Fixtures.imageBytes("tiny_7x5.png")));

        assertThat(feed.enabled()).isFalse();
        assertThat(feed.entries()).isEmpty();
        assertThat(feed.stats().results()).isEqualTo(1);
    }

    @Test
    void rateIsPerSecondOverTheWholeSecondsOfTheWindow() {
        RateWindow rate = new RateWindow(10);
        long t0 = 1_000_000_000L;
        for (int s = 0; s < 10; s++) {
            for (int i = 0; i < 3; i++) {
                rate.add(t0 + s * 1000L + i);
            }
        }
        assertThat(rate.perSecond(t0 + 10_000)).isEqualTo(3.0);
        assertThat(rate.perSecond(t0 + 15_000)).isEqualTo(1.5);
        assertThat(rate.perSecond(t0 + 60_000)).isZero();
    }
}
