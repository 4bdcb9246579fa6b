package io.blip2stream.pipeline.preprocess;

import io.blip2stream.imaging.ImageLimits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The public preprocessing API: batch buffers, thread safety, specs. */
class ImagePreprocessorTest {

    private static final Path IMAGES = Path.of("src/test/resources/images");
    private static final String[] FILES = {"photo_640x480.jpg", "rgba_320x240.png", "palette_200x150.png",
        "tiny_7x5.png", "cmyk_160x120.jpg", "exif_rotated_6.jpg"};

    private final ImagePreprocessor preprocessor =
            new ImagePreprocessor(ImageSpec.blip2(224, 224), ImageLimits.defaults());

    @Test
    void batchBufferHoldsEachImageAtItsOffsetUntouchedElsewhere() throws IOException {
        int per = preprocessor.valuesPerImage();
        float[] batch = new float[FILES.length * per + 5]; // [B, 3, 224, 224] + a guard tail
        java.util.Arrays.fill(batch, Float.NaN);

        for (int b = 0; b < FILES.length; b++) {
            preprocessor.preprocessInto(read(FILES[b]), batch, b * per);
        }

        assertThat(per).isEqualTo(3 * 224 * 224);
        for (int b = 0; b < FILES.length; b++) {
            float[] alone = preprocessor.preprocess(read(FILES[b]));
            assertThat(java.util.Arrays.copyOfRange(batch, b * per, (b + 1) * per)).as(FILES[b]).isEqualTo(alone);
        }
        for (int i = FILES.length * per; i < batch.length; i++) {
            assertThat(batch[i]).isNaN();
        }
    }

    @Test
    void offsetWithoutRoomIsRefused() throws IOException {
        float[] small = new float[preprocessor.valuesPerImage() + 10];
        byte[] img = read("tiny_7x5.png");

        assertThatThrownBy(() -> preprocessor.preprocessInto(img, small, 11)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> preprocessor.preprocessInto(img, small, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void concurrentCallsGiveTheSameValuesAsSequentialOnes() throws Exception {
        List<float[]> expected = new ArrayList<>();
        List<byte[]> inputs = new ArrayList<>();
        for (String f : FILES) {
            inputs.add(read(f));
            expected.add(preprocessor.preprocess(read(f)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (byte[] in : inputs) {
                    futures.add(pool.submit(() -> preprocessor.preprocess(in)));
                }
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get(60, TimeUnit.SECONDS)).isEqualTo(expected.get(i % FILES.length));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void normalisationFoldsTheRescaleIntoMeanAndStdInFloat32() {
        ImagePreprocessor p = new ImagePreprocessor(ImageSpec.blip2(1, 1), ImageLimits.defaults());
        byte[] pixels = {(byte) 255, 0, (byte) 128}; // [3, 1, 1]
        float[] out = new float[3];

        new PixelNormalizer(p.spec()).apply(pixels, out, 0);

        float[] mean = ImageSpec.CLIP_MEAN;
        float[] std = ImageSpec.CLIP_STD;
        float inv = (float) (1.0 / (1.0 / 255.0));
        assertThat(out[0]).isEqualTo((255f - mean[0] * inv) / (std[0] * inv));
        assertThat(out[1]).isEqualTo((0f - mean[1] * inv) / (std[1] * inv));
        assertThat(out[2]).isEqualTo((128f - mean[2] * inv) / (std[2] * inv));
        assertThat(out[0]).isCloseTo((1f - mean[0]) / std[0], org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void rescaleOnlyAndRawModesFollowTheSpec() {
        ImageSpec rescaleOnly = new ImageSpec(1, 1, true, true, "bicubic", true, true, 1.0 / 255.0, false,
                ImageSpec.CLIP_MEAN, ImageSpec.CLIP_STD);
        ImageSpec raw = new ImageSpec(1, 1, true, true, "bicubic", true, false, 1.0, false,
                ImageSpec.CLIP_MEAN, ImageSpec.CLIP_STD);
        float[] out = new float[3];

        new PixelNormalizer(rescaleOnly).apply(new byte[] {(byte) 255, 51, 0}, out, 0);
        assertThat(out).containsExactly(255f * (float) (1.0 / 255.0), 51f * (float) (1.0 / 255.0), 0f);

        new PixelNormalizer(raw).apply(new byte[] {(byte) 255, 51, 0}, out, 0);
        assertThat(out).containsExactly(255f, 51f, 0f);
    }

    @Test
    void wrongSizeWithResizingOffIsAnInvalidImage() throws IOException {
        ImageSpec noResize = new ImageSpec(224, 224, true, false, "bicubic", true, true, 1.0 / 255.0, true,
                ImageSpec.CLIP_MEAN, ImageSpec.CLIP_STD);
        ImagePreprocessor p = new ImagePreprocessor(noResize, ImageLimits.defaults());

        assertThatThrownBy(() -> p.preprocess(read("tiny_7x5.png")))
                .isInstanceOfSatisfying(Blip2Exception.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_IMAGE));
    }

    @Test
    void specsAreValidatedAndDefensivelyCopied() {
        assertThatThrownBy(() -> new ImageSpec(0, 224, true, true, "bicubic", true, true, 1 / 255.0, true,
                ImageSpec.CLIP_MEAN, ImageSpec.CLIP_STD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImageSpec(224, 224, true, true, "lanczos", true, true, 1 / 255.0, true,
                ImageSpec.CLIP_MEAN, ImageSpec.CLIP_STD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImageSpec(224, 224, true, true, "bicubic", true, true, 1 / 255.0, true,
                new float[] {0.5f}, ImageSpec.CLIP_STD)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ImageSpec(224, 224, true, true, "bicubic", true, true, 1 / 255.0, true,
                ImageSpec.CLIP_MEAN, new float[] {0.2f, 0f, 0.2f})).isInstanceOf(IllegalArgumentException.class);

        ImageSpec spec = ImageSpec.blip2(224, 224);
        spec.mean()[0] = 99f;
        assertThat(spec.mean()[0]).isEqualTo(ImageSpec.CLIP_MEAN[0]);
        assertThat(spec).isEqualTo(ImageSpec.blip2(224, 224)).hasSameHashCodeAs(ImageSpec.blip2(224, 224));
        assertThat(spec.filter()).isEqualTo(ResampleFilter.BICUBIC);
    }

    @Test
    void resizedPixelsAreTheUint8StageOfPreprocess() throws IOException {
        byte[] img = read("photo_640x480.jpg");

        byte[] u8 = preprocessor.resizedPixels(img); // [3, 224, 224]
        float[] values = preprocessor.preprocess(img);
        float[] again = new float[values.length];
        new PixelNormalizer(preprocessor.spec()).apply(u8, again, 0);

        assertThat(u8).hasSize(3 * 224 * 224);
        assertThat(again).isEqualTo(values);
    }

    private static byte[] read(String file) throws IOException {
        return Files.readAllBytes(IMAGES.resolve(file));
    }
}
