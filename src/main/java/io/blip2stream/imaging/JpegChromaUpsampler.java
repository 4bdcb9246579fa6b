package io.blip2stream.imaging;

import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/**
 * Redoes the vertical-only chroma upsampling of a JPEG the way libjpeg-turbo (PIL's decoder)
 * does it. For a component sampled at half the vertical and the full horizontal rate (4:4:0,
 * "h1v2"), libjpeg-turbo interpolates ({@code h1v2_fancy_upsample}: 3/4 of the nearer and 1/4
 * of the farther sample row, biased 1 and 2), while the JDK's libjpeg 6b repeats each row
 * ({@code int_upsample}). Repetition loses nothing, so the stored rows are read back from every
 * other decoded row and interpolated as libjpeg-turbo would. Other layouts (4:2:0, 4:2:2: both
 * interpolate alike; 4:1:1: both repeat) are left as decoded.
 */
final class JpegChromaUpsampler {

    private JpegChromaUpsampler() {
    }

    /**
     * The raster with libjpeg-turbo's upsampling for every h1v2 component; the raster itself
     * when no component is h1v2.
     *
     * @param raster   decoded samples before colour conversion, one band per frame component
     * @param sampling the frame's sampling factors per component ({@code h << 4 | v})
     */
    static Raster upsample(Raster raster, int[] sampling) {
        int bands = raster.getNumBands();
        if (bands < 2 || sampling.length != bands) {
            return raster;
        }
        int maxH = 0;
        int maxV = 0;
        for (int f : sampling) {
            maxH = Math.max(maxH, f >> 4);
            maxV = Math.max(maxV, f & 0xF);
        }
        WritableRaster out = null;
        int w = raster.getWidth();
        int h = raster.getHeight();
        for (int band = 0; band < bands; band++) {
            int hs = sampling[band] >> 4;
            int vs = sampling[band] & 0xF;
            if (hs != maxH || vs * 2 != maxV) {
                continue;
            }
            if (out == null) {
                out = raster.createCompatibleWritableRaster();
                out.setRect(raster);
            }
            int rows = (h + 1) / 2; // downsampled_height = ceil(h * vs / maxV)
            int[][] stored = new int[rows][]; // [rows, w]
            for (int k = 0; k < rows; k++) {
                stored[k] = raster.getSamples(raster.getMinX(), raster.getMinY() + 2 * k, w, 1, band, (int[]) null);
            }
            int[] row = new int[w]; // [w]
            for (int y = 0; y < h; y++) {
                int k = y >> 1;
                boolean upper = (y & 1) == 0;
                int[] near = stored[k];
                int[] far = stored[upper ? Math.max(k - 1, 0) : Math.min(k + 1, rows - 1)];
                int bias = upper ? 1 : 2;
                for (int x = 0; x < w; x++) {
                    row[x] = (3 * near[x] + far[x] + bias) >> 2;
                }
                out.setSamples(0, y, w, 1, band, row);
            }
        }
        return out == null ? raster : out;
    }
}
