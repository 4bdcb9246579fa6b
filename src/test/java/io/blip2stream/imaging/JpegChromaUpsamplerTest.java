package io.blip2stream.imaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;

import org.junit.jupiter.api.Test;

class JpegChromaUpsamplerTest {

    /** 2 x 5 samples, 3 bands; chroma stored at 3 rows (10, 50, 90), repeated as libjpeg 6b does. */
    private static WritableRaster repeated() {
        WritableRaster r = Raster.createBandedRaster(DataBuffer.TYPE_BYTE, 2, 5, 3, null); // [3, 5, 2]
        int[] stored = {10, 50, 90};
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 2; x++) {
                r.setSample(x, y, 0, 7 * y + x);
                r.setSample(x, y, 1, stored[y / 2]);
                r.setSample(x, y, 2, 255 - stored[y / 2]);
            }
        }
        return r;
    }

    @Test
    void interpolatesHalfHeightChromaAsLibjpegTurbo() {
        Raster out = JpegChromaUpsampler.upsample(repeated(), new int[] {0x12, 0x11, 0x11});

        // even rows: (3 * near + above + 1) >> 2, odd rows: (3 * near + below + 2) >> 2, edges repeated
        int[] expected = {(30 + 10 + 1) >> 2, (30 + 50 + 2) >> 2, (150 + 10 + 1) >> 2, (150 + 90 + 2) >> 2,
                          (270 + 50 + 1) >> 2};
        int[] expectedCr = {(3 * 245 + 245 + 1) >> 2, (3 * 245 + 205 + 2) >> 2, (3 * 205 + 245 + 1) >> 2,
                            (3 * 205 + 165 + 2) >> 2, (3 * 165 + 205 + 1) >> 2};
        for (int y = 0; y < 5; y++) {
            assertThat(out.getSample(1, y, 1)).as("Cb row %d", y).isEqualTo(expected[y]);
            assertThat(out.getSample(1, y, 2)).as("Cr row %d", y).isEqualTo(expectedCr[y]);
            assertThat(out.getSample(1, y, 0)).as("luma untouched").isEqualTo(7 * y + 1);
        }
    }

    @Test
    void leavesOtherLayoutsAsDecoded() {
        WritableRaster in = repeated();

        assertThat(JpegChromaUpsampler.upsample(in, new int[] {0x22, 0x11, 0x11})).isSameAs(in);
        assertThat(JpegChromaUpsampler.upsample(in, new int[] {0x21, 0x11, 0x11})).isSameAs(in);
        assertThat(JpegChromaUpsampler.upsample(in, new int[] {0x11, 0x11, 0x11})).isSameAs(in);
        assertThat(JpegChromaUpsampler.upsample(in, new int[] {0x41, 0x11, 0x11})).isSameAs(in);
    }
}
