package io.blip2stream.imaging.webp;

import io.blip2stream.imaging.ImageDecoder;
import io.blip2stream.imaging.ImageLimits;
import io.blip2stream.imaging.RgbImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lossy WebP decoded to the very RGB bytes PIL (libwebp) gives, on files made with libwebp's
 * encoder options that exercise every path of the VP8 decoder: simple and normal loop filter,
 * sharpness, four token partitions, four segments, skipped macroblocks, no filter, 1x1.
 */
class WebpLossyTest {

    private static final Path IMAGES = Path.of("src/test/resources/images");
    private static final Path VP8 = IMAGES.resolve("vp8");

    private final ImageDecoder decoder = new ImageDecoder(ImageLimits.defaults());

    static Stream<String> vp8Files() throws IOException {
        try (Stream<Path> files = Files.list(VP8)) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".webp"))
                    .map(n -> n.substring(0, n.length() - ".webp".length()))
                    .sorted()
                    .toList();
            assertThat(names).as("VP8 test files").hasSizeGreaterThanOrEqualTo(6);
            return names.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vp8Files")
    void decodesExactlyAsPil(String name) throws IOException {
        // given
        byte[] encoded = Files.readAllBytes(VP8.resolve(name + ".webp"));
        byte[] expected = gunzip(VP8.resolve(name + ".rgb.gz")); // [h, w, 3]

        // when
        RgbImage rgb = decoder.decode(encoded);

        // then
        assertThat(expected).hasSize(3 * rgb.width() * rgb.height());
        int differing = 0;
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    if (rgb.get(c, x, y) != (expected[3 * (y * rgb.width() + x) + c] & 0xFF)) {
                        differing++;
                    }
                }
            }
        }
        assertThat(differing).as("samples differing from PIL in " + name).isZero();
    }

    @Test
    void findsTheFrameOfASimpleAndOfAVp8xFile() throws IOException {
        WebpLossy simple = WebpLossy.find(Files.readAllBytes(IMAGES.resolve("lossy_333x251.webp"))).orElseThrow();
        WebpLossy withAlpha = WebpLossy.find(Files.readAllBytes(IMAGES.resolve("lossy_alpha_151x111.webp"))).orElseThrow();

        assertThat(simple.frameOffset()).isEqualTo(20);
        assertThat(simple.width()).isEqualTo(333);
        assertThat(simple.height()).isEqualTo(251);
        assertThat(withAlpha.frameOffset()).as("after the VP8X and ALPH chunks").isGreaterThan(38);
        assertThat(withAlpha.width()).isEqualTo(151);
        assertThat(withAlpha.height()).isEqualTo(111);
    }

    @Test
    void leavesLosslessWebpToTheImageIoReader() throws IOException {
        assertThat(WebpLossy.find(Files.readAllBytes(IMAGES.resolve("lossless_200x200.webp")))).isEmpty();
        assertThat(WebpLossy.find(Files.readAllBytes(IMAGES.resolve("webp_anim_lossless_224.webp"))))
                .as("an animation whose first frame is lossless").isEmpty();
    }

    @Test
    void findsTheFirstFrameOfALossyAnimation() throws IOException {
        WebpLossy full = WebpLossy.find(Files.readAllBytes(IMAGES.resolve("webp_anim_lossy_224.webp"))).orElseThrow();
        WebpLossy offset = WebpLossy.find(Files.readAllBytes(IMAGES.resolve("webp_anim_offset_224x160.webp")))
                .orElseThrow();

        assertThat(List.of(full.width(), full.height(), full.left(), full.top(), full.frameWidth(), full.frameHeight()))
                .containsExactly(224, 224, 0, 0, 224, 224);
        assertThat(List.of(offset.width(), offset.height(), offset.left(), offset.top(), offset.frameWidth(),
                offset.frameHeight())).containsExactly(224, 160, 36, 50, 64, 48);
    }

    @Test
    void placesAnOffsetFirstFrameOnABlackCanvas() throws IOException {
        byte[] webp = Files.readAllBytes(IMAGES.resolve("webp_anim_offset_224x160.webp"));
        WebpLossy frame = WebpLossy.find(webp).orElseThrow();
        RgbImage alone = new RgbImage(frame.frameWidth(), frame.frameHeight(),
                WebpYuvToRgb.convert(Vp8Decoder.decode(webp, frame.frameOffset(), frame.frameLength())));

        RgbImage rgb = decoder.decode(webp);

        assertThat(rgb.width()).isEqualTo(224);
        assertThat(rgb.height()).isEqualTo(160);
        int outside = 0;
        int inside = 0;
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                boolean in = x >= 36 && x < 36 + 64 && y >= 50 && y < 50 + 48;
                for (int c = 0; c < 3; c++) {
                    int expected = in ? alone.get(c, x - 36, y - 50) : 0;
                    if (rgb.get(c, x, y) == expected) {
                        if (in) {
                            inside++;
                        } else {
                            outside++;
                        }
                    }
                }
            }
        }
        assertThat(inside).as("frame samples in place").isEqualTo(3 * 64 * 48);
        assertThat(outside).as("black samples around the frame (the ANIM background is ignored)")
                .isEqualTo(3 * (224 * 160 - 64 * 48));
    }

    @Test
    void truncatedLossyWebpIsInvalid() throws IOException {
        byte[] webp = Files.readAllBytes(IMAGES.resolve("lossy_333x251.webp"));

        Blip2Exception e = error(Arrays.copyOf(webp, webp.length / 2));

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_IMAGE);
        assertThat(e.getMessage()).contains("RIFF");
    }

    @Test
    void tokenDataCutShortIsInvalid() throws IOException {
        byte[] webp = Files.readAllBytes(IMAGES.resolve("lossy_333x251.webp"));
        int keep = webp.length / 2;
        byte[] cut = Arrays.copyOf(webp, keep);
        // a consistent container whose VP8 payload ends early: RIFF and chunk sizes rewritten
        putLe32(cut, 4, keep - 8);
        putLe32(cut, 16, keep - 20);

        Blip2Exception e = error(cut);

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_IMAGE);
        assertThat(e.getMessage()).contains("premature end");
    }

    @Test
    void badStartCodeIsInvalid() throws IOException {
        byte[] webp = Files.readAllBytes(IMAGES.resolve("lossy_17x9.webp"));
        webp[23] = 0x00; // 0x9D 0x01 0x2A follows the 3-byte frame tag

        Blip2Exception e = error(webp);

        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_IMAGE);
        assertThat(e.getMessage()).contains("start code");
    }

    @Test
    void declaredSizeIsCheckedBeforeDecoding() throws IOException {
        byte[] webp = Files.readAllBytes(IMAGES.resolve("lossy_333x251.webp"));
        ImageDecoder small = new ImageDecoder(new ImageLimits(ImageLimits.defaults().maxEncodedBytes(), 50_000, 16_384));

        Blip2Exception e = catchThrowableOfType(Blip2Exception.class, () -> small.decode(webp));

        assertThat(e.code()).isEqualTo(ErrorCode.IMAGE_TOO_LARGE);
        assertThat(e.limit()).isPresent();
    }

    @Test
    void corruptFramesDecodeOrFailAsInvalidImages() throws IOException {
        byte[] webp = Files.readAllBytes(VP8.resolve("partitions4_sharp7_200x140.webp"));
        Random random = new Random(11);
        int decoded = 0;
        int refused = 0;
        for (int round = 0; round < 200; round++) {
            byte[] corrupt = webp.clone();
            for (int k = 0; k < 1 + round % 4; k++) {
                int at = 20 + random.nextInt(corrupt.length - 20); // anywhere in the VP8 payload
                corrupt[at] = (byte) random.nextInt(256);
            }
            try {
                RgbImage rgb = decoder.decode(corrupt);
                assertThat(rgb.width()).isEqualTo(200);
                decoded++;
            } catch (Blip2Exception e) {
                assertThat(e.code()).as(e.getMessage()).isEqualTo(ErrorCode.INVALID_IMAGE);
                refused++;
            }
        }

        assertThat(decoded + refused).isEqualTo(200);
        assertThat(refused).as("some corruptions are detected").isPositive();
    }

    private Blip2Exception error(byte[] bytes) {
        Blip2Exception e = catchThrowableOfType(Blip2Exception.class, () -> decoder.decode(bytes));
        assertThat(e).as("decoding must fail").isNotNull();
        return e;
    }

    private static void putLe32(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    private static byte[] gunzip(Path path) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path))) {
            return in.readAllBytes();
        }
    }
}
