package io.blip2stream.pipeline.preprocess;

import io.blip2stream.imaging.ImageDecoder;
import io.blip2stream.imaging.ImageLimits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;

import org.junit.jupiter.api.Test;

/** The manifest's image section, and the decoders the service relies on being registered. */
class ImageSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void manifestImageSectionMapsToTheSpec() throws Exception {
        // the example from src/docs/bundle-format.md
        JsonNode image = JSON.readTree("""
                {"height": 224, "width": 224, "do_convert_rgb": true, "do_resize": true,
                 "resample": "bicubic", "antialias": true, "do_rescale": true,
                 "rescale_factor": 0.00392156862745098, "do_normalize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073],
                 "image_std": [0.26862954, 0.26130258, 0.27577711]}""");

        ImageSpec spec = ImageSpec.fromManifest(image);

        assertThat(spec).isEqualTo(ImageSpec.blip2(224, 224));
        assertThat(spec.rescaleFactor()).isEqualTo(1.0 / 255.0);
    }

    @Test
    void absentOptionalFieldsTakeTheProcessorDefaults() throws Exception {
        ImageSpec spec = ImageSpec.fromManifest(JSON.readTree("{\"height\": 384, \"width\": 256, \"image_mean\": 0.5}"));

        assertThat(spec.height()).isEqualTo(384);
        assertThat(spec.width()).isEqualTo(256);
        assertThat(spec.mean()).containsExactly(0.5f, 0.5f, 0.5f);
        assertThat(spec.std()).containsExactly(ImageSpec.CLIP_STD);
        assertThat(spec.filter()).isEqualTo(ResampleFilter.BICUBIC);
        assertThat(spec.antialias()).isTrue();
    }

    @Test
    void malformedSectionsAreRefused() throws Exception {
        assertThatThrownBy(() -> ImageSpec.fromManifest(JSON.readTree("{\"width\": 224}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("height");
        assertThatThrownBy(() -> ImageSpec.fromManifest(JSON.readTree("{\"height\": 224, \"width\": 224, \"resample\": \"box\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("box");
        assertThatThrownBy(() -> ImageSpec.fromManifest(JSON.readTree("{\"height\": 224, \"width\": 224, \"image_std\": [\"a\", 1, 1]}")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageSpec.fromManifest(null)).isInstanceOf(IllegalArgumentException.class);
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
