package io.blip2stream.imaging;

import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;

/**
 * Reads a raster one row of samples at a time. For 8-bit component rasters (what the JPEG
 * reader and most PNG, GIF and WebP images give) the samples come straight from the byte
 * buffer; {@link Raster#getPixels} goes through the sample model sample by sample, which costs
 * about 100 ms on a 12-megapixel photo. Any other raster falls back to {@code getPixels}.
 * One instance per raster and thread.
 */
final class SampleRows {

    private final Raster raster;
    private final int width;
    private final int bands;
    // direct access: data[bank[b]][start[b] + y * scanline + x * pixelStride]; null when not direct
    private final byte[][] data;
    private final int[] start;
    private final int scanline;
    private final int pixelStride;
    private final boolean interleaved;

    private SampleRows(Raster raster) {
        this.raster = raster;
        this.width = raster.getWidth();
        this.bands = raster.getNumBands();
        if (raster.getSampleModel() instanceof ComponentSampleModel csm
                && raster.getDataBuffer() instanceof DataBufferByte buffer
                && csm.getDataType() == DataBuffer.TYPE_BYTE) {
            int[] bankOf = csm.getBankIndices();
            int[] bandOffsets = csm.getBandOffsets();
            int x0 = raster.getMinX() - raster.getSampleModelTranslateX();
            int y0 = raster.getMinY() - raster.getSampleModelTranslateY();
            this.scanline = csm.getScanlineStride();
            this.pixelStride = csm.getPixelStride();
            this.data = new byte[bands][];
            this.start = new int[bands];
            boolean oneBank = true;
            for (int b = 0; b < bands; b++) {
                data[b] = buffer.getData(bankOf[b]);
                start[b] = buffer.getOffsets()[bankOf[b]] + bandOffsets[b] + y0 * scanline + x0 * pixelStride;
                oneBank &= bankOf[b] == bankOf[0] && start[b] == start[0] + b;
            }
            this.interleaved = oneBank && pixelStride == bands;
        } else {
            this.data = null;
            this.start = null;
            this.scanline = 0;
            this.pixelStride = 0;
            this.interleaved = false;
        }
    }

    static SampleRows of(Raster raster) {
        return new SampleRows(raster);
    }

    /** Whether rows are read straight from the buffer (no sample model calls). */
    boolean direct() {
        return data != null;
    }

    /**
     * Row {@code y} (0-based from the raster's top) as unsigned samples, pixel by pixel.
     *
     * @param row destination, at least {@code width * bands} long  // [width, bands]
     */
    void read(int y, int[] row) {
        if (data == null) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, width, 1, row);
            return;
        }
        if (interleaved) {
            byte[] d = data[0];
            int from = start[0] + y * scanline;
            for (int i = 0, n = width * bands; i < n; i++) {
                row[i] = d[from + i] & 0xFF;
            }
            return;
        }
        for (int b = 0; b < bands; b++) {
            byte[] d = data[b];
            int from = start[b] + y * scanline;
            for (int x = 0; x < width; x++) {
                row[x * bands + b] = d[from + x * pixelStride] & 0xFF;
            }
        }
    }
}
