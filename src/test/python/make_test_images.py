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


def _scene(width: int, height: int, seed: int, noise: bool = True) -> Image.Image:
    """An RGB scene with gradients, shapes, text-like strokes and (unless ``noise`` is false) mild noise."""
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
    if not noise:
        return img
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
    files += write_variants(out)
    return files


def _flat(width: int, height: int, seed: int, colors: int = 12) -> Image.Image:
    """A noiseless scene posterised to a few colours: flat areas keep the pixel goldens small."""
    return _scene(width, height, seed, noise=False).quantize(colors=colors, dither=Image.Dither.NONE).convert("RGB")


def _patched(width: int, height: int, seed: int, box: tuple[int, int, int, int]) -> Image.Image:
    """A flat background with one detailed scene at ``box`` (left, top, width, height): the
    detail exercises the decoder, the flat rest keeps the pixel golden small."""
    img = Image.new("RGB", (width, height), (90, 140, 200))
    left, top, w, h = box
    img.paste(_scene(w, h, seed), (left, top))
    return img


_ZIGZAG = np.array([0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
                    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
                    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63])


def _jpeg_440(img: Image.Image, quality_table: int = 4) -> bytes:
    """A baseline JFIF JPEG with 4:4:0 chroma (luma sampled 1x2, chroma 1x1), which libjpeg's
    ``jpeg_set_defaults`` and so PIL cannot write: float DCT, a flat quantisation table, Huffman
    tables of fixed-length codes."""
    rgb = np.asarray(img.convert("RGB")).astype(np.float64)  # [h, w, 3]
    height, width, _ = rgb.shape
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    planes = [0.299 * r + 0.587 * g + 0.114 * b,
              128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
              128 + 0.5 * r - 0.418688 * g - 0.081312 * b]  # 3 x [h, w]
    mcu_w, mcu_h = -(-width // 8), -(-height // 16)

    def padded(plane: np.ndarray, h: int, w: int) -> np.ndarray:
        return np.pad(plane, ((0, h - plane.shape[0]), (0, w - plane.shape[1])), mode="edge")

    luma = padded(planes[0], 16 * mcu_h, 8 * mcu_w)  # [16 * mcu_h, 8 * mcu_w]
    chroma = []
    for plane in planes[1:]:
        full = padded(plane, 2 * -(-height // 2), width)
        half = (full[0::2] + full[1::2]) / 2  # [ceil(h / 2), w]
        chroma.append(padded(half, 8 * mcu_h, 8 * mcu_w))
    k = np.arange(8)
    dct = np.sqrt(2 / 8) * np.cos((2 * k[None, :] + 1) * k[:, None] * np.pi / 16)  # [8, 8]
    dct[0] /= np.sqrt(2)

    def coefficients(plane: np.ndarray, by: int, bx: int) -> list[int]:
        block = plane[8 * by:8 * by + 8, 8 * bx:8 * bx + 8] - 128
        c = dct @ block @ dct.T
        return [int(v) for v in np.round(c.reshape(-1)[_ZIGZAG] / quality_table)]

    blocks = []  # (table, coefficients) in scan order
    for my in range(mcu_h):
        for mx in range(mcu_w):
            blocks.append((0, coefficients(luma, 2 * my, mx)))
            blocks.append((0, coefficients(luma, 2 * my + 1, mx)))
            blocks.append((1, coefficients(chroma[0], my, mx)))
            blocks.append((1, coefficients(chroma[1], my, mx)))

    def category(v: int) -> int:
        return abs(v).bit_length()

    def bits_of(v: int, n: int) -> int:
        return v if v >= 0 else v + (1 << n) - 1

    symbols = []  # (dc/ac, table, symbol, extra bits, extra length)
    pred = [0, 0, 0]
    for index, (table, coef) in enumerate(blocks):
        comp = [0, 0, 1, 2][index % 4]
        diff = coef[0] - pred[comp]
        pred[comp] = coef[0]
        symbols.append((0, table, category(diff), bits_of(diff, category(diff)), category(diff)))
        run = 0
        last = max([i for i in range(1, 64) if coef[i] != 0], default=0)
        for i in range(1, last + 1):
            if coef[i] == 0:
                run += 1
                continue
            while run > 15:
                symbols.append((1, table, 0xF0, 0, 0))
                run -= 16
            n = category(coef[i])
            symbols.append((1, table, (run << 4) | n, bits_of(coef[i], n), n))
            run = 0
        if last < 63:
            symbols.append((1, table, 0x00, 0, 0))
    codes = {}
    dht = b""
    for cls in (0, 1):
        for table in (0, 1):
            used = sorted({sym for c, t, sym, _, _ in symbols if c == cls and t == table})
            length = max(1, len(used).bit_length())  # never the all-ones code
            counts = [0] * 16
            counts[length - 1] = len(used)
            for code, sym in enumerate(used):
                codes[(cls, table, sym)] = (code, length)
            dht += bytes([(cls << 4) | table]) + bytes(counts) + bytes(used)
    out, acc, nbits = bytearray(), 0, 0
    for cls, table, sym, extra, extra_len in symbols:
        code, length = codes[(cls, table, sym)]
        for value, n in ((code, length), (extra, extra_len)):
            acc = (acc << n) | value
            nbits += n
            while nbits >= 8:
                byte = (acc >> (nbits - 8)) & 0xFF
                out.append(byte)
                if byte == 0xFF:
                    out.append(0)
                nbits -= 8
    if nbits:
        byte = ((acc << (8 - nbits)) | ((1 << (8 - nbits)) - 1)) & 0xFF
        out += bytes([byte, 0]) if byte == 0xFF else bytes([byte])

    def segment(marker: int, data: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data

    dqt = bytes([0]) + bytes([quality_table] * 64) + bytes([1]) + bytes([quality_table] * 64)
    sof = struct.pack(">BHHB", 8, height, width, 3) + bytes([1, 0x12, 0, 2, 0x11, 1, 3, 0x11, 1])
    sos = bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0])
    return (b"\xff\xd8" + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00") + segment(0xDB, dqt)
            + segment(0xC0, sof) + segment(0xC4, dht) + segment(0xDA, sos) + bytes(out) + b"\xff\xd9")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


_ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def _png(samples: np.ndarray, color_type: int, depth: int, interlace: bool = False, extra: bytes = b"") -> bytes:
    """A PNG from samples ``[h, w, channels]`` (any colour type and bit depth PIL cannot write),
    unfiltered rows, optionally Adam7-interlaced; ``extra`` chunks (PLTE, tRNS) go before IDAT."""
    height, width, channels = samples.shape

    def rows(img: np.ndarray) -> bytes:
        out = []
        for row in img:  # [w, channels]
            flat = row.reshape(-1)
            if depth == 16:
                data = flat.astype(">u2").tobytes()
            elif depth == 8:
                data = flat.astype(np.uint8).tobytes()
            else:
                per = 8 // depth
                padded = np.zeros(-(-len(flat) // per) * per, dtype=np.uint8)
                padded[: len(flat)] = flat
                packed = np.zeros(len(padded) // per, dtype=np.uint8)
                for k in range(per):
                    packed |= (padded[k::per] << (8 - depth * (k + 1))).astype(np.uint8)
                data = packed.tobytes()
            out.append(b"\x00" + data)
        return b"".join(out)

    if interlace:
        raw = b"".join(rows(samples[y0::dy, x0::dx]) for x0, y0, dx, dy in _ADAM7
                       if samples[y0::dy, x0::dx].size)
    else:
        raw = rows(samples)
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlace else 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + extra + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def _bmp(pixels: bytes, width: int, height: int, bits: int, *, compression: int = 0, top_down: bool = False,
         palette: bytes = b"", masks: tuple[int, int, int, int] | None = None) -> bytes:
    """A BMP from already laid-out pixel rows (``pixels``: stored order, padded, or RLE data);
    a BITMAPV4HEADER when ``masks`` (R, G, B, A) are given, else a BITMAPINFOHEADER."""
    header_size = 108 if masks else 40
    info = struct.pack("<IiiHHIIiiII", header_size, width, -height if top_down else height, 1, bits, compression,
                       len(pixels), 2835, 2835, len(palette) // 4, 0)
    if masks:
        info += struct.pack("<IIII", *masks) + b"BGRs" + bytes(36) + bytes(12)
    offset = 14 + len(info) + len(palette)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + palette + pixels


def _rle8(indices: np.ndarray) -> bytes:
    """BMP RLE8 data of palette indices ``[h, w]`` (bottom-up): encoded runs and absolute runs."""
    out = bytearray()
    for row in indices[::-1]:
        row = [int(v) for v in row]
        x = 0
        while x < len(row):
            run = 1
            while x + run < len(row) and run < 255 and row[x + run] == row[x]:
                run += 1
            if run >= 2:
                out += bytes([run, row[x]])
                x += run
                continue
            lit = []
            while x < len(row) and len(lit) < 255 and not (x + 1 < len(row) and row[x + 1] == row[x]):
                lit.append(row[x])
                x += 1
            if len(lit) >= 3:
                out += bytes([0, len(lit)]) + bytes(lit) + (b"\x00" if len(lit) % 2 else b"")
            else:
                for v in lit:
                    out += bytes([1, v])
        out += b"\x00\x00"
    out += b"\x00\x01"
    return bytes(out)


def write_variants(out: Path) -> list[str]:
    """Encoder variants of JPEG, PNG, GIF, BMP and WebP; mostly 224 x 224 (HF's resize is then
    the identity), posterised or flat around one detailed patch, so that each pixel golden stays small."""
    files: list[str] = []

    def save(name: str, img: Image.Image, **kw) -> None:
        img.save(out / name, **kw)
        files.append(name)

    def write(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)
        files.append(name)

    # JPEG
    save("jpeg_progressive_224.jpg", _patched(224, 224, 100, (120, 16, 64, 56)), quality=85, progressive=True)
    save("jpeg_444_224.jpg", _patched(224, 224, 101, (17, 120, 64, 56)), quality=85, subsampling=0)
    save("jpeg_422_224.jpg", _patched(224, 224, 102, (33, 9, 64, 56)), quality=85, subsampling=1)
    save("jpeg_420_odd_333x251.jpg", _patched(333, 251, 103, (259, 181, 74, 70)), quality=75, subsampling=2)
    save("jpeg_422_odd_227x161.jpg", _patched(227, 161, 104, (163, 101, 64, 60)), quality=80, subsampling=1)
    save("jpeg_411_224.jpg", _patched(224, 224, 111, (70, 130, 64, 56)), quality=85, subsampling="4:1:1")
    write("jpeg_440_224.jpg", _jpeg_440(_patched(224, 224, 112, (40, 40, 64, 56))))
    write("jpeg_440_odd_227x163.jpg", _jpeg_440(_patched(227, 163, 113, (163, 99, 64, 64))))
    save("jpeg_gray_224.jpg", _patched(224, 224, 105, (60, 60, 64, 64)).convert("L"), quality=85)
    save("jpeg_restart_224.jpg", _patched(224, 224, 106, (0, 100, 72, 64)), quality=85, restart_marker_blocks=7)
    save("jpeg_q100_224.jpg", _patched(224, 224, 107, (140, 140, 72, 72)), quality=100)
    save("jpeg_q30_224.jpg", _patched(224, 224, 108, (8, 8, 64, 64)), quality=30)
    save("jpeg_adobe_rgb_224.jpg", _patched(224, 224, 109, (100, 40, 64, 56)), quality=90, keep_rgb=True)
    for orientation in range(2, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        save(f"jpeg_exif_{orientation}_224x200.jpg", _patched(224, 200, 110 + orientation, (150, 8, 40, 32)), quality=90,
             exif=exif.tobytes())

    # PNG
    rgb = np.asarray(_flat(224, 224, 120))  # [224, 224, 3]
    write("png_interlaced_rgb_224.png", _png(rgb, 2, 8, interlace=True))
    gray = np.asarray(_flat(224, 224, 121).convert("L"))  # [224, 224]
    for depth in (1, 2, 4):
        levels = (gray.astype(np.int32) * ((1 << depth) - 1) + 127) // 255  # [224, 224]
        write(f"png_gray{depth}_224.png", _png(levels[..., None], 0, depth))
        write(f"png_gray{depth}_interlaced_224.png", _png(levels[..., None], 0, depth, interlace=True))
    pal_img = _flat(224, 224, 122, colors=16).quantize(colors=16, dither=Image.Dither.NONE)
    idx = np.asarray(pal_img)  # [224, 224]
    plte = bytes(pal_img.getpalette()[: 3 * 16])
    for depth in (1, 2, 4):
        ncol = 1 << depth
        sub = (idx % ncol).astype(np.uint8)
        write(f"png_palette{depth}_224.png", _png(sub[..., None], 3, depth, extra=_chunk(b"PLTE", plte[: 3 * ncol])))
    trns = bytes([0, 255, 128, 64, 255, 10] + [255] * 4)
    write("png_palette_trns_224.png", _png(idx[..., None], 3, 8, extra=_chunk(b"PLTE", plte) + _chunk(b"tRNS", trns)))
    write("png_gray_trns_224.png", _png(gray[..., None], 0, 8, extra=_chunk(b"tRNS", struct.pack(">H", int(gray[0, 0])))))
    write("png_rgb_trns_224.png", _png(rgb, 2, 8, extra=_chunk(b"tRNS", struct.pack(">HHH", *map(int, rgb[0, 0])))))
    alpha = np.tile(np.linspace(0, 255, 224, dtype=np.float64)[None, :], (224, 1)).astype(np.uint8)  # [224, 224]
    alpha[40:120, 60:180] = 0
    write("png_la_224.png", _png(np.stack([gray, alpha], axis=-1), 4, 8))
    write("png_la_interlaced_224.png", _png(np.stack([gray, alpha], axis=-1), 4, 8, interlace=True))
    ramp = (np.arange(224)[None, :, None] * 37) % 256  # [1, 224, 1]
    rgba16 = np.concatenate([rgb, alpha[..., None]], axis=-1).astype(np.uint32) * 257 + ramp  # [224, 224, 4]
    write("png_rgba16_224.png", _png((rgba16 % 65536).astype(np.uint16), 6, 16))
    la16 = np.stack([gray, alpha], axis=-1).astype(np.uint32) * 257 + ramp  # [224, 224, 2]
    write("png_la16_224.png", _png((la16 % 65536).astype(np.uint16), 4, 16))
    g16 = (gray.astype(np.uint32) * 3 + np.arange(224)[None, :]).astype(np.uint16)  # [224, 224], mostly > 255
    levels2 = (gray.astype(np.int32) * 3 + 127) // 255  # [224, 224], 2 bits
    write("png_gray2_trns_224.png", _png(levels2[..., None], 0, 2, extra=_chunk(b"tRNS", struct.pack(">H", 1))))
    write("png_palette2_trns_224.png", _png((idx % 4).astype(np.uint8)[..., None], 3, 2,
                                            extra=_chunk(b"PLTE", plte[:12]) + _chunk(b"tRNS", bytes([255, 0, 90]))))
    write("png_gray16_trns_224.png", _png(g16[..., None], 0, 16, extra=_chunk(b"tRNS", struct.pack(">H", int(g16[0, 0])))))
    rgb16 = (rgba16[..., :3] % 65536).astype(np.uint16)  # [224, 224, 3]
    write("png_rgb16_trns_224.png", _png(rgb16, 2, 16, extra=_chunk(b"tRNS", struct.pack(">HHH", *map(int, rgb16[5, 5])))))
    write("png_rgb16_interlaced_224.png", _png((rgba16[..., :3] % 65536).astype(np.uint16), 2, 16, interlace=True))

    # GIF
    gif = _flat(224, 224, 130, colors=16).quantize(colors=16, dither=Image.Dither.NONE)
    save("gif_single_224.gif", gif)
    save("gif_transparent_224.gif", gif, transparency=3)
    save("gif_noninterlaced_224.gif", gif, interlace=0)
    small = _patched(150, 100, 131, (90, 50, 48, 40)).quantize(colors=8, dither=Image.Dither.NONE)
    save("gif_transparent_150x100.gif", small, transparency=0)

    # BMP (uncompressed 24/32-bit kept small: 96 x 64)
    brgb = np.asarray(_patched(96, 64, 135, (60, 24, 24, 20)))  # [64, 96, 3]
    balpha = np.tile(np.linspace(0, 255, 96, dtype=np.float64)[None, :], (64, 1)).astype(np.uint8)  # [64, 96]
    bgra = np.concatenate([brgb[..., ::-1], balpha[..., None]], axis=-1).astype(np.uint8)  # [64, 96, 4]
    save("bmp_rgba32_96x64.bmp", Image.fromarray(np.concatenate([brgb, balpha[..., None]], axis=-1), "RGBA"))
    write("bmp_bgrx32_96x64.bmp", _bmp(bgra[::-1].tobytes(), 96, 64, 32))
    write("bmp_bitfields_alpha_96x64.bmp", _bmp(bgra[::-1].tobytes(), 96, 64, 32, compression=3,
                                                 masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000)))
    write("bmp_topdown_24_96x64.bmp", _bmp(np.ascontiguousarray(brgb[..., ::-1]).tobytes(), 96, 64, 24,
                                            top_down=True))
    b5 = (brgb.astype(np.uint16) >> 3)  # [64, 96, 3], 5 bits
    rgb555 = (b5[..., 0] << 10) | (b5[..., 1] << 5) | b5[..., 2]  # [64, 96]
    write("bmp_rgb555_96x64.bmp", _bmp(rgb555[::-1].astype("<u2").tobytes(), 96, 64, 16))
    rgb565 = (b5[..., 0] << 11) | ((brgb[..., 1].astype(np.uint16) >> 2) << 5) | b5[..., 2]  # [64, 96]
    write("bmp_rgb565_96x64.bmp", _bmp(rgb565[::-1].astype("<u2").tobytes(), 96, 64, 16, compression=3,
                                       masks=(0xF800, 0x7E0, 0x1F, 0)))
    save("bmp_palette8_96x64.bmp", _patched(96, 64, 140, (10, 10, 24, 24)).quantize(colors=32,
                                                                                      dither=Image.Dither.NONE))
    save("bmp_1bit_224.bmp", _flat(224, 224, 141).convert("L").point(lambda v: 255 if v > 110 else 0).convert("1"))
    pal8 = _flat(224, 224, 142, colors=16).quantize(colors=16, dither=Image.Dither.NONE)
    bmp_palette = b"".join(bytes([b, g, r, 0]) for r, g, b in zip(*[iter(pal8.getpalette()[: 3 * 16])] * 3))
    write("bmp_rle8_224.bmp", _bmp(_rle8(np.asarray(pal8)), 224, 224, 8, compression=1, palette=bmp_palette))

    # WebP
    webp_rgba = Image.fromarray(np.concatenate([rgb, alpha[..., None]], axis=-1), "RGBA")
    save("webp_lossless_alpha_224.webp", webp_rgba, lossless=True)
    anim = [_patched(224, 224, 150 + i, (40 + 20 * i, 30, 64, 64)) for i in range(3)]
    anim[0].save(out / "webp_anim_lossy_224.webp", save_all=True, append_images=anim[1:], duration=100, loop=0,
                 quality=80)
    files.append("webp_anim_lossy_224.webp")
    flat_anim = [_flat(224, 224, 150 + i) for i in range(3)]
    flat_anim[0].save(out / "webp_anim_lossless_224.webp", save_all=True, append_images=flat_anim[1:], duration=100,
                      loop=0, lossless=True)
    files.append("webp_anim_lossless_224.webp")
    anim_alpha = [Image.fromarray(np.concatenate([np.asarray(f), alpha[..., None]], axis=-1), "RGBA") for f in anim]
    anim_alpha[0].save(out / "webp_anim_lossy_alpha_224.webp", save_all=True, append_images=anim_alpha[1:],
                       duration=100, loop=0, quality=80)
    files.append("webp_anim_lossy_alpha_224.webp")
    write("webp_anim_offset_224x160.webp", _webp_anim_offset(_patched(64, 48, 153, (8, 8, 48, 32)), 224, 160, 36, 50))
    return files


def _webp_anim_offset(frame: Image.Image, width: int, height: int, left: int, top: int) -> bytes:
    """An animated WebP of one lossy frame placed at (left, top) on a larger canvas, with a
    non-black ANIM background colour (which libwebp's animation decoder ignores)."""
    buf = io.BytesIO()
    frame.save(buf, format="WEBP", quality=80)
    still = buf.getvalue()
    assert still[12:16] == b"VP8 ", still[12:16]
    vp8 = still[12:]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")

    def u24(v: int) -> bytes:
        return struct.pack("<I", v)[:3]

    vp8x = bytes([0x02, 0, 0, 0]) + u24(width - 1) + u24(height - 1)
    anim = bytes([40, 200, 120, 255]) + struct.pack("<H", 0)
    anmf = u24(left // 2) + u24(top // 2) + u24(frame.width - 1) + u24(frame.height - 1) + u24(100) + bytes([0])
    body = b"WEBP" + chunk(b"VP8X", vp8x) + chunk(b"ANIM", anim) + chunk(b"ANMF", anmf + vp8)
    return b"RIFF" + struct.pack("<I", len(body)) + body


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
