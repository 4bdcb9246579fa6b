package io.blip2stream.imaging;

import io.blip2stream.imaging.webp.Vp8Exception;
import io.blip2stream.imaging.webp.WebpLossy;
import io.blip2stream.api.Blip2Exception;
import io.blip2stream.api.ErrorCode;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Encoded bytes to the RGB image {@code transformers.image_utils.load_image} would produce:
 * decoded, EXIF-oriented ({@code ImageOps.exif_transpose}) and converted as PIL's
 * {@code convert("RGB")}. Limits are checked before pixels are decoded. Still lossy WebP images
 * are decoded by {@link WebpLossy} (libwebp's exact output), everything else by ImageIO.
 * Thread-safe: every call uses its own ImageIO reader or VP8 decoder.
 */
public final class ImageDecoder {

    static {
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    private final ImageLimits limits;

    public ImageDecoder(ImageLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Decodes one image.
     *
     * @throws Blip2Exception INVALID_IMAGE (empty, undecodable or truncated),
     *                        UNSUPPORTED_IMAGE_FORMAT (a known format this service does not read),
     *                        IMAGE_TOO_LARGE (bytes, pixels or a side over its limit, with the limit)
     */
    public RgbImage decode(byte[] encoded) {
        if (encoded == null || encoded.length == 0) {
            throw new Blip2Exception(ErrorCode.INVALID_IMAGE, "the image is empty");
        }
        if (encoded.length > limits.maxEncodedBytes()) {
            throw Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the encoded image size in bytes",
                    encoded.length, limits.maxEncodedBytes());
        }
        ImageFormat format = ImageFormat.sniff(encoded).orElseThrow(() -> new Blip2Exception(
                ErrorCode.INVALID_IMAGE, "the bytes are not a recognised image (" + encoded.length + " bytes)"));
        if (!format.supported()) {
            throw new Blip2Exception(ErrorCode.UNSUPPORTED_IMAGE_FORMAT,
                    format + " images are not supported (supported: JPEG, PNG, GIF, BMP, WebP)");
        }
        ImageMetadata meta = ImageMetadata.read(encoded, format, limits.maxMetadataBytes());
        RgbImage rgb = decodePixels(encoded, format, meta);
        return rgb.orient(meta.orientation());
    }

    private RgbImage decodePixels(byte[] encoded, ImageFormat format, ImageMetadata meta) {
        if (format == ImageFormat.WEBP) {
            Optional<RgbImage> lossy = decodeLossyWebp(encoded);
            if (lossy.isPresent()) {
                return lossy.get();
            }
        }
        ImageReader reader = readerFor(format);
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener(collect(warnings));
            checkDimensions(reader.getWidth(0), reader.getHeight(0));
            Optional<GifCanvas> canvas = format == ImageFormat.GIF ? GifCanvas.read(encoded) : Optional.empty();
            if (canvas.isPresent()) {
                checkDimensions(canvas.get().screenWidth(), canvas.get().screenHeight());
            }
            RgbImage rgb;
            if (format == ImageFormat.JPEG) {
                Raster raster = JpegChromaUpsampler.upsample(reader.readRaster(0, null), meta.jpegSampling());
                checkWarnings(warnings);
                rgb = PilRgb.fromJpegRaster(raster, PilRgb.jpegColor(meta, raster.getNumBands()));
            } else {
                BufferedImage image = reader.read(0);
                checkWarnings(warnings);
                rgb = PilRgb.fromImage(image, format == ImageFormat.PNG && pngGray16(encoded));
                if (canvas.isPresent()) {
                    rgb = canvas.get().place(rgb, paletteRgb(image, canvas.get().fillIndex()));
                }
            }
            return rgb;
        } catch (Blip2Exception e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new Blip2Exception(ErrorCode.INVALID_IMAGE,
                    "the " + format + " image could not be decoded: " + e.getMessage(), e);
        } finally {
            reader.dispose();
        }
    }

    /** A still lossy WebP, decoded as libwebp does; empty for other WebP files. */
    private Optional<RgbImage> decodeLossyWebp(byte[] encoded) {
        try {
            Optional<WebpLossy> lossy = WebpLossy.find(encoded);
            if (lossy.isEmpty()) {
                return Optional.empty();
            }
            checkDimensions(lossy.get().width(), lossy.get().height());
            return Optional.of(new RgbImage(lossy.get().width(), lossy.get().height(), lossy.get().decode(encoded)));
        } catch (Vp8Exception | IndexOutOfBoundsException e) {
            throw new Blip2Exception(ErrorCode.INVALID_IMAGE, "the WebP image could not be decoded: " + e.getMessage(), e);
        }
    }

    /**
     * A PNG whose IHDR declares 16-bit grayscale without an alpha channel (colour type 0): PIL's
     * {@code I;16} even with a {@code tRNS} chunk, for which ImageIO adds an alpha band.
     */
    static boolean pngGray16(byte[] png) {
        return png.length > 25 && png[24] == 16 && png[25] == 0;
    }

        private static int paletteRgb(BufferedImage image, int index) {
        if (image.getColorModel() instanceof IndexColorModel icm && index < icm.getMapSize()) {
            return icm.getRGB(index) & 0xFFFFFF;
        }
        return 0;
    }

    private void checkDimensions(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new Blip2Exception(ErrorCode.INVALID_IMAGE, "the image declares a size of " + width + "x" + height);
        }
        int side = Math.max(width, height);
        if (side > limits.maxSide()) {
            throw Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the image side in pixels", side, limits.maxSide());
        }
        long pixels = (long) width * height;
        if (pixels > limits.maxPixels()) {
            throw Blip2Exception.limit(ErrorCode.IMAGE_TOO_LARGE, "the image area in pixels (" + width + "x" + height + ")",
                    pixels, limits.maxPixels());
        }
    }

    /** libjpeg reports a truncated file as a warning and pads the image; PIL refuses it. */
    private static void checkWarnings(List<String> warnings) {
        for (String w : warnings) {
            String lower = w.toLowerCase(Locale.ROOT);
            if (lower.contains("premature end") || lower.contains("truncated")) {
                throw new Blip2Exception(ErrorCode.INVALID_IMAGE, "the image is truncated: " + w);
            }
        }
    }

    private static IIOReadWarningListener collect(List<String> warnings) {
        return (source, warning) -> warnings.add(warning);
    }

    private static ImageReader readerFor(ImageFormat format) {
        String name = switch (format) {
            case JPEG -> "jpeg";
            case PNG -> "png";
            case GIF -> "gif";
            case BMP -> "bmp";
            case WEBP -> "webp";
            default -> throw new IllegalArgumentException(format.toString());
        };
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(name);
        ImageReader fallback = null;
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            // TwelveMonkeys' JPEG reader copes with CMYK/YCCK and broken metadata the JDK one refuses
            if (format != ImageFormat.JPEG || r.getClass().getName().startsWith("com.twelvemonkeys")) {
                if (fallback != null) {
                    fallback.dispose();
                }
                return r;
            }
            if (fallback == null) {
                fallback = r;
            } else {
                r.dispose();
            }
        }
        if (fallback != null) {
            return fallback;
        }
        throw new Blip2Exception(ErrorCode.UNSUPPORTED_IMAGE_FORMAT, "no " + name + " decoder is installed");
    }
}
