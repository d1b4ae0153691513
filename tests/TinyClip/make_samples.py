#!/usr/bin/python3
"""Renders the sample images that ship with the CLI (and that the golden test pins).

    /usr/bin/python3 tests/TinyClip/make_samples.py src/Clip.Cli/samples
"""
import os
import random
import sys

from PIL import Image

from synthetic_world import render

# (file, colour, shape, width, height): odd sizes exercise resize and crop; two are held-out pairs.
SAMPLES = [
    ("red-circle.png", "red", "circle", 224, 224),
    ("green-square.jpg", "green", "square", 320, 256),
    ("yellow-star.jpg", "yellow", "star", 240, 360),
    ("white-heart.png", "white", "heart", 300, 300),
    ("black-cross.jpg", "black", "cross", 400, 250),
    ("blue-triangle.png", "blue", "triangle", 250, 250),
    ("blue-circle.jpg", "blue", "circle", 256, 256),
    ("red-star.png", "red", "star", 224, 280),
]


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(424242)
    for name, colour, shape, width, height in SAMPLES:
        image = Image.fromarray(render(colour, shape, rng, width, height))
        path = os.path.join(out, name)
        if name.endswith(".jpg"):
            image.save(path, quality=90)
        else:
            image.save(path, optimize=True)
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main(sys.argv[1])
