"""Generates the image fixtures and their torchvision reference tensors.

Run with a Python that has torch, torchvision and Pillow (tested: torch 1.13,
torchvision 0.14, Pillow 9.4):  /usr/bin/python3 make_reference.py
Writes next to this script: each fixture image, its tensor as float32
little-endian CHW (.f32), and fixtures.json describing both.
"""
import struct
import zlib
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from torchvision import transforms
from torchvision.transforms import InterpolationMode

HERE = Path(__file__).resolve().parent
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


def openai_pipeline(size):
    # OpenAI CLIP's _transform: convert('RGB') comes after the crop, so the
    # resize runs in the file's own PIL mode (P: nearest, RGBA: premultiplied).
    return transforms.Compose([
        transforms.Resize(size, interpolation=InterpolationMode.BICUBIC),
        transforms.CenterCrop(size),
        lambda im: im.convert("RGB"),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])


def photo(width, height, seed):
    """Smooth gradients, stripes, hard-edged shapes and mild noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / width, y / height
    r = 255 * (0.5 + 0.5 * np.sin(6.0 * u + 2.0 * v))
    g = 255 * v * (0.6 + 0.4 * np.cos(40.0 * u * v))
    b = 255 * (1 - u) * (0.5 + 0.5 * np.sin(25.0 * (u - v)))
    img = np.stack([r, g, b], axis=-1)
    img[(x - 0.3 * width) ** 2 + (y - 0.6 * height) ** 2 < (0.18 * min(width, height)) ** 2] = (250, 240, 30)
    img[int(0.1 * height):int(0.3 * height), int(0.6 * width):int(0.9 * width)] = (20, 30, 200)
    img[:, (x[0] % 7) < 1] *= 0.4
    # Sensor-like noise is mostly luminance; independent per-channel noise would be chroma
    # detail that 4:2:0 JPEGs throw away, leaving only the decoder's chroma upsampling to compare.
    img += rng.normal(0, 5, img.shape[:2])[..., None] + rng.normal(0, 1.5, img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def save(name, image, **params):
    path = HERE / name
    image.save(path, **params)
    return path


def fixtures():
    # subsampling=0 (4:4:4) keeps the comparison about our pipeline: libjpeg's "fancy" chroma
    # upsampling differs from ImageSharp's by several levels at colour edges (photo_420.jpg measures that gap).
    yield "photo_baseline.jpg", 224, save("photo_baseline.jpg", Image.fromarray(photo(403, 301, 1)), quality=85, subsampling=0)
    yield "photo_420.jpg", 64, save("photo_420.jpg", Image.fromarray(photo(143, 100, 11)), quality=85, subsampling=2)
    yield "alpha_rgba.png", 128, save("alpha_rgba.png", rgba_with_coloured_transparency(150, 97))
    yield "photo_progressive.jpg", 64, save("photo_progressive.jpg", Image.fromarray(photo(181, 257, 2)),
                                            quality=85, progressive=True, subsampling=0)
    yield "gray.jpg", 64, save("gray.jpg", Image.fromarray(photo(120, 90, 3)).convert("L"), quality=90)
    yield "cmyk.jpg", 64, save("cmyk.jpg", Image.fromarray(photo(97, 131, 4)).convert("CMYK"), quality=90)
    yield "rgb16.png", 64, rgb16(77, 50)
    yield "palette.png", 64, save("palette.png", Image.fromarray(photo(200, 133, 5)).quantize(64))
    yield "animated.gif", 64, animated_gif(150, 100)
    yield "photo.webp", 64, save("photo.webp", Image.fromarray(photo(128, 96, 6)), quality=80)
    yield "tall.bmp", 64, save("tall.bmp", Image.fromarray(photo(41, 83, 7)))
    yield "exif_rotated.jpg", 64, exif_rotated(160, 90)


def rgba_with_coloured_transparency(width, height):
    rgb = photo(width, height, 8)
    _, x = np.mgrid[0:height, 0:width]
    alpha = np.clip(255 * x / (width - 1) * 1.5, 0, 255).astype(np.uint8)
    alpha[: height // 3] = 0  # fully transparent band that still carries colour
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")


def rgb16(width, height):
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    planes = [65535 * x / width, 65535 * y / height, 65535 * (0.5 + 0.5 * np.sin(x / 3.0 + y / 5.0))]
    data = np.stack(planes, axis=-1).astype(">u2")
    # Pillow cannot write 16-bit RGB, so the PNG is assembled by hand.


    raw = b"".join(b"\x00" + data[row].tobytes() for row in range(height))

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    path = HERE / "rgb16.png"
    path.write_bytes(png)
    return path


def animated_gif(width, height):
    frames = [Image.fromarray(photo(width, height, 10 + i)).quantize(32) for i in range(3)]
    path = HERE / "animated.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return path


def exif_rotated(width, height):
    image = Image.fromarray(photo(width, height, 9))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    return save("exif_rotated.jpg", image, quality=90, subsampling=0, exif=exif.tobytes())


def main():
    manifest = []
    for name, size, path in fixtures():
        with Image.open(path) as image:
            # Not part of OpenAI's pipeline: applied because we honour EXIF orientation.
            oriented = ImageOps.exif_transpose(image)
            mode = oriented.mode
            tensor = openai_pipeline(size)(oriented)
        assert tensor.dtype == torch.float32 and tensor.shape == (3, size, size)
        tensor.numpy().astype("<f4").tofile(HERE / (Path(name).stem + ".f32"))
        manifest.append({"image": name, "tensor": Path(name).stem + ".f32", "size": size, "pilMode": mode})
        print(f"{name:24s} {mode:5s} {path.stat().st_size:7d} bytes  size {size}")
    (HERE / "fixtures.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
