#!/usr/bin/python3
"""Write a benchmark photo set made from real, freely licensed photographs.

    /usr/bin/python3 tests/Clip.Benchmarks/perf/make_photos.py [--out DIR]

DIR defaults to $XDG_CACHE_HOME/clip-workers/photos (XDG_CACHE_HOME defaulting to ~/.cache); the
set is never committed. It holds:

    small/   48 photos of 0.1-1 MP in mixed aspect ratios, alternately PNG and JPEG
    2.7mp/   4 JPEGs of 1920x1440
    12mp/    4 JPEGs of 4032x3024 (a phone camera's size)

Every JPEG is quality 90 with 4:2:0 chroma subsampling. Each picture is a crop of a source photo,
resized to its size with Lanczos (large sizes are upscales), plus mild sensor-like grain (mostly
luminance, some chroma) so that an upscale's JPEG entropy is like a photograph's. Seeded: the same
machine writes the same files.

Sources, all shipped offline by Debian packages (apt-get install python3-skimage; scipy is a
dependency of it):
    skimage.data.astronaut             Eileen Collins, NASA, public domain                 512x512
    skimage.data.coffee                Rachel Michetti, CC0                                400x600
    skimage.data.chelsea               Stefan van der Walt, CC0                            300x451
    skimage.data.rocket                DSCOVR launch on Falcon 9, SpaceX, public domain    427x640
    skimage.data.hubble_deep_field     NASA, public domain                                 872x1000
    skimage.data.retina                Mikael Haggstrom, CC0                               1411x1411
    skimage.data.immunohistochemistry  CMMI microscopy, no known copyright restrictions    512x512
    scipy.misc.face                    raccoon, public-domain-image.com, public domain     768x1024
"""
import argparse
import os
import warnings

import numpy as np
import scipy.misc
import skimage.data
from PIL import Image

SMALL_COUNT = 48
LARGE_COUNT = 4
ASPECTS = [(4, 3), (3, 4), (3, 2), (2, 3), (16, 9), (1, 1)]
LARGE_SOURCES = ("raccoon", "coffee", "rocket", "chelsea")  # everyday scenes, as a phone would shoot
LUMA_GRAIN, CHROMA_GRAIN = 4.0, 1.5


def sources():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        face = scipy.misc.face()
    named = {name: getattr(skimage.data, name)() for name in
             ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "retina", "immunohistochemistry")}
    named["raccoon"] = face
    return {name: Image.fromarray(pixels).convert("RGB") for name, pixels in named.items()}


def crop(source, aspect, scale, rng):
    """A random crop of the given aspect ratio whose size is scale times the largest that fits."""
    w, h = source.size
    ratio = aspect[0] / aspect[1]
    cw, ch = (w, w / ratio) if w / h < ratio else (h * ratio, h)
    cw, ch = max(1, round(cw * scale)), max(1, round(ch * scale))
    x, y = rng.integers(0, w - cw + 1), rng.integers(0, h - ch + 1)
    return source.crop((x, y, x + cw, y + ch))


def render(source, size, aspect, scale, rng):
    """Crop, Lanczos-resize to size, add grain."""
    pixels = np.asarray(crop(source, aspect, scale, rng).resize(size, Image.LANCZOS), dtype=np.float32)
    h, w, _ = pixels.shape
    grain = LUMA_GRAIN * rng.standard_normal((h, w, 1), dtype=np.float32)
    grain = grain + CHROMA_GRAIN * rng.standard_normal((h, w, 3), dtype=np.float32)
    return Image.fromarray(np.clip(pixels + grain + 0.5, 0, 255).astype(np.uint8))


def save(image, path):
    if path.endswith(".png"):
        image.save(path)
    else:
        image.save(path, quality=90, subsampling=2)


def main():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.path.join(cache, "clip-workers", "photos"))
    p.add_argument("--seed", type=int, default=20261201)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    photos = sources()
    names = list(photos)

    jobs = []
    for i in range(SMALL_COUNT):
        aspect = ASPECTS[i % len(ASPECTS)]
        megapixels = rng.uniform(0.1, 1.0)
        w = round((megapixels * 1e6 * aspect[0] / aspect[1]) ** 0.5)
        size = (w, round(w * aspect[1] / aspect[0]))
        # Alternate formats, shifted each round through the sources so that every source appears as both.
        ext = (".png", ".jpg")[(i + i // len(names)) % 2]
        jobs.append(("small", i, names[i % len(names)], ext, size, aspect, rng.uniform(0.5, 1.0)))
    for folder, size in (("2.7mp", (1920, 1440)), ("12mp", (4032, 3024))):
        jobs += [(folder, i, LARGE_SOURCES[i % len(LARGE_SOURCES)], ".jpg", size, (4, 3), 1.0) for i in range(LARGE_COUNT)]

    for folder, i, name, ext, size, aspect, scale in jobs:
        os.makedirs(os.path.join(a.out, folder), exist_ok=True)
        image = render(photos[name], size, aspect, scale, rng)
        save(image, os.path.join(a.out, folder, f"{i:02d}-{name}-{size[0]}x{size[1]}{ext}"))

    for folder in ("small", "2.7mp", "12mp"):
        files = os.listdir(os.path.join(a.out, folder))
        total = sum(os.path.getsize(os.path.join(a.out, folder, f)) for f in files)
        print(f"{os.path.join(a.out, folder)}: {len(files)} files, {total / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
