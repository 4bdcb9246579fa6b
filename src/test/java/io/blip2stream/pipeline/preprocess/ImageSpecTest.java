package io.blip2stream.pipeline.preprocess;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.blip2stream.imaging.ImageDecoder;
import io.blip2stream.imaging.ImageLimits;
import io.blip2stream.model.BundleManifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The manifest's image section, and the decoders the service relies on being registered. */
class ImageSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ImageSpec spec(String json) throws Exception {
        return ImageSpec.of(JSON.readValue(json, BundleManifest.ImageSection.class));
    }

    @Test
    void manifestImageSectionMapsToTheSpec() throws Exception {
        // the example from src/docs/bundle-format.md
        ImageSpec spec = spec("""
                {"height": 224, "width": 224, "do_convert_rgb": true, "do_resize": true,
                 "resample": "bicubic", "antialias": true, "do_rescale": true,
                 "rescale_factor": 0.00392156862745098, "do_normalize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073],
                 "image_std": [0.26862954, 0.26130258, 0.27577711]}""");

        assertThat(spec).isEqualTo(ImageSpec.blip2(224, 224));
        assertThat(spec.rescaleFactor()).isEqualTo(1.0 / 255.0);
    }

    /** Each field of the section left out in turn takes BlipImageProcessor's default, the others stay as given. */
    @ParameterizedTest
    @ValueSource(strings = {"height", "width", "do_convert_rgb", "do_resize", "resample", "antialias", "do_rescale",
            "rescale_factor", "do_normalize", "image_mean", "image_std"})
    void eachOmittedFieldTakesHuggingFacesDefault(String omitted) throws Exception {
        // every value here differs from HF's default
        ObjectNode section = (ObjectNode) JSON.readTree("""
                {"height": 224, "width": 160, "do_convert_rgb": false, "do_resize": false,
                 "resample": "bilinear", "antialias": false, "do_rescale": false,
                 "rescale_factor": 0.5, "do_normalize": false,
                 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25]}""");
        ImageSpec given = spec(section.toString());
        ImageSpec hf = spec("{}");
        section.remove(omitted);

        ImageSpec spec = spec(section.toString());

        assertThat(field(spec, omitted)).as(omitted).isEqualTo(field(hf, omitted)).isNotEqualTo(field(given, omitted));
        for (String other : List.of("height", "width", "do_convert_rgb", "do_resize", "resample", "antialias",
                "do_rescale", "rescale_factor", "do_normalize", "image_mean", "image_std")) {
            if (!other.equals(omitted)) {
                assertThat(field(spec, other)).as(other).isEqualTo(field(given, other));
            }
        }
    }

    @Test
    void anEmptySectionIsBlipImageProcessorsDefaults() throws Exception {
        assertThat(spec("{}")).isEqualTo(ImageSpec.blip2(384, 384));
    }

    @Test
    void oneNumberStandsForEveryChannel() throws Exception {
        ImageSpec spec = spec("{\"height\": 384, \"width\": 256, \"image_mean\": 0.5}");

        assertThat(spec.mean()).containsExactly(0.5f, 0.5f, 0.5f);
        assertThat(spec.std()).containsExactly(ImageSpec.CLIP_STD);
        assertThat(spec.filter()).isEqualTo(ResampleFilter.BICUBIC);
        assertThat(spec.antialias()).isTrue();
    }

    @Test
    void malformedSectionsAreRefused() {
        assertThatThrownBy(() -> spec("{\"resample\": \"box\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("box");
        assertThatThrownBy(() -> spec("{\"image_std\": [\"a\", 1, 1]}")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> spec("{\"image_mean\": [0.5, 0.5]}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image_mean");
        assertThatThrownBy(() -> ImageSpec.of(null)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Object field(ImageSpec s, String name) {
        return switch (name) {
            case "height" -> s.height();
            case "width" -> s.width();
            case "do_convert_rgb" -> s.doConvertRgb();
            case "do_resize" -> s.doResize();
            case "resample" -> s.resample();
            case "antialias" -> s.antialias();
            case "do_rescale" -> s.doRescale();
            case "rescale_factor" -> s.rescaleFactor();
            case "do_normalize" -> s.doNormalize();
            case "image_mean" -> List.of(s.mean()[0], s.mean()[1], s.mean()[2]);
            case "image_std" -> List.of(s.std()[0], s.std()[1], s.std()[2]);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Test
    void imageIoPluginsAreRegistered() {
        new ImageDecoder(ImageLimits.defaults()); // its class initialiser scans for plugins

        assertThat(readerClasses("webp")).anyMatch(c -> c.startsWith("com.twelvemonkeys.imageio.plugins.webp"));
        assertThat(readerClasses("jpeg")).anyMatch(c -> c.startsWith("com.twelvemonkeys.imageio.plugins.jpeg"));
        assertThat(readerClasses("bmp")).isNotEmpty();
        assertThat(readerClasses("png")).isNotEmpty();
        assertThat(readerClasses("gif")).isNotEmpty();
    }

    private static List<String> readerClasses(String format) {
        List<String> out = new ArrayList<>();
        ImageIO.getImageReadersByFormatName(format).forEachRemaining((ImageReader r) -> {
            out.add(r.getClass().getName());
            r.dispose();
        });
        return out;
    }
}
