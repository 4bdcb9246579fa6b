package io.blip2stream.pipeline.preprocess;

import io.blip2stream.imaging.ImageDecoder;
import io.blip2stream.imaging.ImageLimits;
import io.blip2stream.imaging.RgbImage;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pixel values against Hugging Face's own ({@code load_image} + {@code BlipImageProcessor},
 * torchvision backend), recorded in {@code golden/images.json} and {@code golden/pixels/}.
 */
class ImagePreprocessorGoldenTest {

    private static final Path RESOURCES = Path.of("src/test/resources");
    private static final Path GOLDEN = RESOURCES.resolve("golden");
    /** One uint8 level in normalised units (1 / 255 / smallest std ≈ 0.0150). */
    private static final double MAX_ABS = 0.015;
    private static final double MAX_MEAN = 1e-3;

    private static final ImagePreprocessor PREPROCESSOR =
            new ImagePreprocessor(ImageSpec.blip2(224, 224), ImageLimits.defaults());

    record Golden(String file, int loadedWidth, int loadedHeight, String mode, int orientation, String pixels) {
        @Override
        public String toString() {
            return file + " (" + mode + ", orientation " + orientation + ")";
        }
    }

    static Stream<Golden> goldens() throws IOException {
        JsonNode root = new ObjectMapper().readTree(GOLDEN.resolve("images.json").toFile());
        List<Golden> out = new ArrayList<>();
        for (JsonNode e : root) {
            out.add(new Golden(e.get("file").asText(), e.get("loaded_width").asInt(), e.get("loaded_height").asInt(),
                    e.get("mode").asText(), e.get("exif_orientation").asInt(), e.get("pixels").asText()));
        }
        assertThat(out).as("golden images").hasSizeGreaterThanOrEqualTo(10);
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goldens")
    void pixelValuesMatchHuggingFace(Golden golden) throws IOException {
        byte[] encoded = Files.readAllBytes(RESOURCES.resolve("images").resolve(golden.file()));
        float[] expected = readGzipFloats(GOLDEN.resolve(golden.pixels())); // [3, 224, 224]

        RgbImage decoded = new ImageDecoder(ImageLimits.defaults()).decode(encoded);
        float[] actual = PREPROCESSOR.preprocess(encoded); // [3, 224, 224]

        assertThat(decoded.width()).as("width after EXIF orientation").isEqualTo(golden.loadedWidth());
        assertThat(decoded.height()).as("height after EXIF orientation").isEqualTo(golden.loadedHeight());
        assertThat(actual).hasSize(expected.length);
        double max = 0;
        double sum = 0;
        int unequal = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs(actual[i] - expected[i]);
            max = Math.max(max, d);
            sum += d;
            if (d != 0) {
                unequal++;
            }
        }
        double mean = sum / expected.length;
        System.out.printf("pixel_values %-26s max |diff| %.3g, mean %.3g, %d of %d values differ%n",
                golden.file(), max, mean, unequal, expected.length);
        assertThat(max).as("max |diff| for " + golden.file()).isLessThanOrEqualTo(MAX_ABS);
        assertThat(mean).as("mean |diff| for " + golden.file()).isLessThanOrEqualTo(MAX_MEAN);
    }

    static float[] readGzipFloats(Path path) throws IOException {
        byte[] raw;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path))) {
            raw = in.readAllBytes();
        }
        FloatBuffer fb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] out = new float[fb.remaining()];
        fb.get(out);
        return out;
    }
}
