"""Deterministic test images and their Hugging Face pixel goldens.

Writes every image of the test set to ``src/test/resources/images/`` (PIL, fixed seeds), then
records what Hugging Face feeds the vision tower for each of them:
``transformers.image_utils.load_image`` (EXIF orientation applied, converted to RGB) followed by
``BlipImageProcessor`` (default backend, BLIP-2 settings: 224 x 224 bicubic) into
``src/test/resources/golden/pixels/<file>.f32.gz`` (gzip of little-endian float32
pixel_values ``[3, 224, 224]``, CHW) and ``src/test/resources/golden/images.json``.

Also writes lossy WebP files made with libwebp's own encoder options (simple loop filter, token
partitions, segments, skipped macroblocks) and PIL's full-size RGB decoding of each to
``src/test/resources/images/vp8/`` (see ``write_vp8_images``).

Run inside the reference environment (see ``regenerate-fixtures.sh``)::

    python3 src/test/python/make_test_images.py --resources src/test/resources
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gzip
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

IMAGE_SIZE = 224

WORDS = ["BLIP", "cat", "dog", "sky", "tree", "road", "boat", "red", "blue", "sun", "2026", "park"]


def _scene(width: int, height: int, seed: int) -> Image.Image:
    """An RGB scene with gradients, shapes, text-like strokes and mild noise."""
    rng = np.random.RandomState(seed)
    ys = np.linspace(0.0, 1.0, height, dtype=np.float64)[:, None]  # [h, 1]
    xs = np.linspace(0.0, 1.0, width, dtype=np.float64)[None, :]  # [1, w]
    phase = rng.uniform(0, 2 * np.pi, size=3)
    base = np.empty((height, width, 3), dtype=np.float64)  # [h, w, 3]
    base[..., 0] = 255 * (0.5 + 0.5 * np.sin(2 * np.pi * (xs * 1.3 + ys * 0.4) + phase[0]))
    base[..., 1] = 255 * (0.25 + 0.6 * ys * (1 - 0.3 * xs))
    base[..., 2] = 255 * (0.5 + 0.45 * np.cos(2 * np.pi * (ys * 0.9 - xs * 0.7) + phase[2]))
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    scale = max(1, min(width, height) // 40)
    for _ in range(6 + (width * height) // 60000):
        x0, y0 = int(rng.randint(0, width)), int(rng.randint(0, height))
        w, h = int(rng.randint(2, max(3, width // 3))), int(rng.randint(2, max(3, height // 3)))
        colour = tuple(int(c) for c in rng.randint(0, 256, size=3))
        kind = rng.randint(0, 3)
        if kind == 0:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour, outline=(0, 0, 0))
        elif kind == 1:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            draw.line([x0, y0, x0 + w, y0 + h], fill=colour, width=scale)
    font = ImageFont.load_default()
    for _ in range(3 + (width * height) // 200000):
        x0, y0 = int(rng.randint(0, max(1, width - 40))), int(rng.randint(0, max(1, height - 12)))
        text = " ".join(WORDS[i] for i in rng.randint(0, len(WORDS), size=3))
        draw.text((x0, y0), text, fill=(255, 255, 255) if rng.rand() < 0.5 else (0, 0, 0), font=font)
    arr = np.asarray(img).astype(np.int16)  # [h, w, 3]
    arr = arr + rng.randint(-12, 13, size=arr.shape)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _png16_rgb(arr: np.ndarray) -> bytes:
    """A 16-bit-per-channel RGB PNG (PIL cannot write one), from uint16 [h, w, 3]."""
    height, width, _ = arr.shape
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def write_images(out: Path) -> list[str]:
    """Writes the image set into ``out``; returns the file names in a fixed order."""
    out.mkdir(parents=True, exist_ok=True)
    files: list[str] = []

    def save(name: str, img: Image.Image, **kw) -> None:
        img.save(out / name, **kw)
        files.append(name)

    save("photo_640x480.jpg", _scene(640, 480, 1), quality=90, subsampling=2)  # 4:2:0
    save("wide_1200x300.jpg", _scene(1200, 300, 2), quality=88, subsampling=2)
    save("large_2048x1536.jpg", _scene(2048, 1536, 3), quality=80, subsampling=2)
    save("portrait_300x500.png", _scene(300, 500, 4), optimize=False)
    save("gray_256x256.png", _scene(256, 256, 5).convert("L"))

    rgba = _scene(320, 240, 6).convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, 320, dtype=np.float64)[None, :], (240, 1))  # [240, 320]
    alpha[60:180, 100:220] = 40
    rgba.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
    save("rgba_320x240.png", rgba)

    pal = _scene(200, 150, 7).quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    save("palette_200x150.png", pal, transparency=0)

    save("tiny_7x5.png", _scene(7, 5, 8))

    g16 = np.asarray(_scene(128, 96, 9).convert("L")).astype(np.uint32) * 257  # [96, 128]
    g16 = (g16 + np.arange(128)[None, :] * 3) % 65536
    save("gray16_128x96.png", Image.fromarray(g16.astype(np.uint16)))  # mode I;16

    rgb16 = np.asarray(_scene(64, 48, 10)).astype(np.uint32) * 257  # [48, 64, 3]
    rgb16 = (rgb16 + np.arange(64)[None, :, None] * 11) % 65536
    (out / "rgb16_64x48.png").write_bytes(_png16_rgb(rgb16.astype(np.uint16)))
    files.append("rgb16_64x48.png")

    # Stored sideways (200 wide x 320 high) with EXIF orientation 6: displays as 320 x 200.
    upright = _scene(320, 200, 11)
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    save("exif_rotated_6.jpg", stored, quality=90, exif=exif.tobytes())

    save("cmyk_160x120.jpg", _scene(160, 120, 12).convert("CMYK"), quality=92)

    frames = [_scene(96, 64, 13 + i).quantize(colors=32, dither=Image.Dither.NONE) for i in range(3)]
    frames[0].save(out / "anim_96x64.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    files.append("anim_96x64.gif")

    save("bmp_100x80.bmp", _scene(100, 80, 16))
    save("lossless_200x200.webp", _scene(200, 200, 17), lossless=True)

    # Lossy WebP (VP8): an odd size, a VP8X file with an ALPH chunk, and one smaller than a macroblock.
    save("lossy_333x251.webp", _scene(333, 251, 18), quality=80)
    lossy_rgba = _scene(151, 111, 19).convert("RGBA")
    lossy_alpha = np.tile(np.linspace(0, 255, 151, dtype=np.float64)[None, :], (111, 1))  # [111, 151]
    lossy_alpha[20:60, 30:90] = 0
    lossy_rgba.putalpha(Image.fromarray(lossy_alpha.astype(np.uint8), "L"))
    save("lossy_alpha_151x111.webp", lossy_rgba, quality=70)
    save("lossy_17x9.webp", _scene(17, 9, 20), quality=75)
    return files


class _WebPConfig(ctypes.Structure):
    """libwebp's ``WebPConfig`` (encode.h, ABI 2.x), with room to spare at the end."""

    _fields_ = [(name, ctypes.c_int) for name in ("lossless",)] + [("quality", ctypes.c_float)] + [
        (name, ctypes.c_int) for name in ("method", "image_hint", "target_size")] + [("target_PSNR", ctypes.c_float)] + [
        (name, ctypes.c_int) for name in (
            "segments", "sns_strength", "filter_strength", "filter_sharpness", "filter_type", "autofilter",
            "alpha_compression", "alpha_filtering", "alpha_quality", "pass_", "show_compressed", "preprocessing",
            "partitions", "partition_limit", "emulate_jpeg_size", "thread_level", "low_memory", "near_lossless",
            "exact", "use_delta_palette", "use_sharp_yuv", "qmin", "qmax")] + [("spare", ctypes.c_uint32 * 16)]


class _WebPPicture(ctypes.Structure):
    """libwebp's ``WebPPicture`` (encode.h, ABI 2.x), with room to spare at the end."""

    _fields_ = [("use_argb", ctypes.c_int), ("colorspace", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("y", ctypes.c_void_p), ("u", ctypes.c_void_p), ("v", ctypes.c_void_p),
                ("y_stride", ctypes.c_int), ("uv_stride", ctypes.c_int), ("a", ctypes.c_void_p),
                ("a_stride", ctypes.c_int), ("pad1", ctypes.c_uint32 * 2), ("argb", ctypes.c_void_p),
                ("argb_stride", ctypes.c_int), ("pad2", ctypes.c_uint32 * 3), ("writer", ctypes.c_void_p),
                ("custom_ptr", ctypes.c_void_p), ("extra_info_type", ctypes.c_int), ("extra_info", ctypes.c_void_p),
                ("stats", ctypes.c_void_p), ("error_code", ctypes.c_int), ("progress_hook", ctypes.c_void_p),
                ("user_data", ctypes.c_void_p), ("pad3", ctypes.c_uint32 * 3), ("pad4", ctypes.c_void_p),
                ("pad5", ctypes.c_void_p), ("pad6", ctypes.c_uint32 * 8), ("memory_", ctypes.c_void_p),
                ("memory_argb_", ctypes.c_void_p), ("pad7", ctypes.c_void_p * 2), ("spare", ctypes.c_uint64 * 16)]


class _WebPMemoryWriter(ctypes.Structure):
    _fields_ = [("mem", ctypes.c_void_p), ("size", ctypes.c_size_t), ("max_size", ctypes.c_size_t),
                ("spare", ctypes.c_uint32 * 8)]


_WEBP_ENCODER_ABI = 0x020F


def _encode_vp8(img: Image.Image, **options) -> bytes:
    """Lossy WebP through libwebp's advanced API, for the encoder options Pillow does not expose
    (simple loop filter, sharpness, token partitions, segments)."""
    lib = ctypes.CDLL(ctypes.util.find_library("webp") or "libwebp.so.7")
    config = _WebPConfig()
    if not lib.WebPConfigInitInternal(ctypes.byref(config), 0, ctypes.c_float(75.0), _WEBP_ENCODER_ABI):
        raise RuntimeError("WebPConfigInit failed")
    for key, value in options.items():
        setattr(config, key, value)
    if not lib.WebPValidateConfig(ctypes.byref(config)):
        raise ValueError(f"invalid WebP options {options}")
    picture = _WebPPicture()
    if not lib.WebPPictureInitInternal(ctypes.byref(picture), _WEBP_ENCODER_ABI):
        raise RuntimeError("WebPPictureInit failed")
    picture.width, picture.height = img.width, img.height
    rgb = np.ascontiguousarray(np.asarray(img.convert("RGB")))  # [h, w, 3]
    writer = _WebPMemoryWriter()
    try:
        if not lib.WebPPictureImportRGB(ctypes.byref(picture), rgb.ctypes.data_as(ctypes.c_void_p), 3 * img.width):
            raise RuntimeError("WebPPictureImportRGB failed")
        lib.WebPMemoryWriterInit(ctypes.byref(writer))
        picture.writer = ctypes.cast(lib.WebPMemoryWrite, ctypes.c_void_p).value
        picture.custom_ptr = ctypes.addressof(writer)
        if not lib.WebPEncode(ctypes.byref(config), ctypes.byref(picture)):
            raise RuntimeError(f"WebPEncode failed with error {picture.error_code}")
        return ctypes.string_at(writer.mem, writer.size)
    finally:
        lib.WebPPictureFree(ctypes.byref(picture))
        lib.WebPMemoryWriterClear(ctypes.byref(writer))


def write_vp8_images(out: Path) -> list[str]:
    """Lossy WebP files covering the VP8 decoder's paths, decoded to full-size RGB by PIL.

    Writes ``<name>.webp`` and ``<name>.rgb.gz`` (gzip of PIL's ``convert("RGB")`` bytes,
    ``[h, w, 3]``) into ``out``; returns the names in a fixed order.
    """
    out.mkdir(parents=True, exist_ok=True)
    flat = Image.fromarray((np.asarray(_scene(160, 96, 43)) // 64 * 64).astype(np.uint8))
    cases = [
        ("simple_filter_123x77", _scene(123, 77, 40), dict(quality=60, filter_type=0, filter_strength=60)),
        ("partitions4_sharp7_200x140", _scene(200, 140, 41),
         dict(quality=70, partitions=3, filter_sharpness=7, filter_strength=80)),
        ("segments4_q5_97x131", _scene(97, 131, 42), dict(quality=5, segments=4, sns_strength=100)),
        ("skip_flat_160x96", flat, dict(quality=2, method=1)),
        ("nofilter_q100_64x48", _scene(64, 48, 44), dict(quality=100, filter_strength=0)),
        ("one_pixel_1x1", _scene(1, 1, 45), dict(quality=80)),
    ]
    names = []
    for name, img, options in cases:
        path = out / f"{name}.webp"
        path.write_bytes(_encode_vp8(img, **options))
        with Image.open(path) as decoded:
            rgb = np.ascontiguousarray(np.asarray(decoded.convert("RGB")))  # [h, w, 3]
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(rgb.tobytes())
        (out / f"{name}.rgb.gz").write_bytes(buf.getvalue())
        names.append(name)
        print(f"  vp8/{name}: {img.width}x{img.height} {options}", flush=True)
    return names


def _exif_orientation(img: Image.Image) -> int:
    return int(img.getexif().get(0x0112, 1))


def record_pixels(images: Path, golden: Path, files: list[str]) -> list[dict]:
    """Records HF pixel_values per image; returns the images.json entries."""
    from transformers import BlipImageProcessor
    from transformers.image_utils import load_image

    processor = BlipImageProcessor(size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})
    pixels_dir = golden / "pixels"
    pixels_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for name in files:
        path = images / name
        with Image.open(path) as raw:
            info = {"file": name, "width": raw.width, "height": raw.height, "mode": raw.mode,
                    "format": raw.format, "exif_orientation": _exif_orientation(raw)}
        rgb = load_image(str(path))
        values = processor(images=rgb, return_tensors="np")["pixel_values"][0]  # [3, 224, 224]
        assert values.shape == (3, IMAGE_SIZE, IMAGE_SIZE), values.shape
        data = np.ascontiguousarray(values, dtype="<f4").tobytes()
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        (pixels_dir / f"{name}.f32.gz").write_bytes(buf.getvalue())
        info.update({"loaded_width": rgb.width, "loaded_height": rgb.height,
                     "pixels": f"pixels/{name}.f32.gz"})
        entries.append(info)
        print(f"  {name}: {info['width']}x{info['height']} {info['mode']} -> pixels", flush=True)
    (golden / "images.json").write_text(json.dumps(entries, indent=1) + "\n")
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=Path, default=Path("src/test/resources"))
    args = parser.parse_args()
    files = write_images(args.resources / "images")
    print(f"wrote {len(files)} images", flush=True)
    record_pixels(args.resources / "images", args.resources / "golden", files)
    write_vp8_images(args.resources / "images" / "vp8")


if __name__ == "__main__":
    main()
