package io.blip2stream.imaging;

import org.junit.jupiter.api.Test;

import java.awt.Point;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SampleRowsTest {

    @Test
    void interleavedBytesAreReadStraightFromTheBufferAsGetPixelsReadsThem() {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 37, 11, 3, null);
        fill(r, 1);

        assertThat(SampleRows.of(r).direct()).isTrue();
        assertSameRows(r);
    }

    @Test
    void aTranslatedChildRasterReadsItsOwnWindow() {
        WritableRaster parent = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 40, 30, 4, null);
        fill(parent, 2);
        // a window at (5, 7) of the parent, placed at (100, 200) in its own coordinates, bands 2, 0, 1
        Raster child = parent.createChild(5, 7, 20, 10, 100, 200, new int[] {2, 0, 1});

        assertThat(SampleRows.of(child).direct()).isTrue();
        assertSameRows(child);
    }

    @Test
    void bandedBytesWithABankPerBandAreReadDirectly() {
        WritableRaster r = Raster.createBandedRaster(DataBuffer.TYPE_BYTE, 23, 9, 3, new Point(3, 4));
        fill(r, 3);

        assertThat(SampleRows.of(r).direct()).isTrue();
        assertSameRows(r);
    }

    @Test
    void sixteenBitSamplesFallBackToGetPixels() {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_USHORT, 13, 5, 3, null);
        Random random = new Random(4);
        for (int y = 0; y < r.getHeight(); y++) {
            for (int x = 0; x < r.getWidth(); x++) {
                for (int b = 0; b < 3; b++) {
                    r.setSample(x, y, b, random.nextInt(65536));
                }
            }
        }

        assertThat(SampleRows.of(r).direct()).isFalse();
        assertSameRows(r);
    }

    private static void fill(WritableRaster r, long seed) {
        Random random = new Random(seed);
        for (int y = r.getMinY(); y < r.getMinY() + r.getHeight(); y++) {
            for (int x = r.getMinX(); x < r.getMinX() + r.getWidth(); x++) {
                for (int b = 0; b < r.getNumBands(); b++) {
                    r.setSample(x, y, b, random.nextInt(256));
                }
            }
        }
    }

    private static void assertSameRows(Raster r) {
        int n = r.getWidth() * r.getNumBands();
        SampleRows rows = SampleRows.of(r);
        for (int y = 0; y < r.getHeight(); y++) {
            int[] expected = r.getPixels(r.getMinX(), r.getMinY() + y, r.getWidth(), 1, new int[n]);
            int[] actual = new int[n];
            rows.read(y, actual);
            assertThat(actual).as("row %d", y).containsExactly(expected);
        }
    }
}
