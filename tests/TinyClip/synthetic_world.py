"""The synthetic world the tiny CLIP learns: one coloured shape on a noisy background.

tests/Clip.TestUtilities/SyntheticWorld.cs draws the same world in C#; keep the two in
step (colours, shapes, size ranges, noise) when changing either.
"""
import math

import numpy as np
from PIL import Image, ImageDraw

SIZE = 224
COLOURS = {
    "red": (220, 30, 30),
    "green": (30, 170, 40),
    "blue": (30, 60, 220),
    "yellow": (240, 220, 30),
    "orange": (245, 140, 20),
    "purple": (140, 40, 180),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
}
SHAPES = ["circle", "square", "triangle", "star", "cross", "heart"]
# Never rendered during training: each colour-shape pair here tests composition.
HELD_OUT = [
    ("red", "star"),
    ("green", "triangle"),
    ("blue", "circle"),
    ("yellow", "square"),
    ("purple", "cross"),
    ("orange", "heart"),
]
COLOURS_LIST = list(COLOURS)


def training_combinations():
    return [(c, s) for c in COLOURS_LIST for s in SHAPES if (c, s) not in HELD_OUT]


def outline(shape):
    """Unit-radius polygon for a shape, centred on the origin."""
    if shape == "circle":
        return [(math.cos(2 * math.pi * k / 48), math.sin(2 * math.pi * k / 48)) for k in range(48)]
    if shape == "square":
        return [(math.cos(math.pi / 4 + k * math.pi / 2), math.sin(math.pi / 4 + k * math.pi / 2)) for k in range(4)]
    if shape == "triangle":
        return [(math.cos(-math.pi / 2 + k * 2 * math.pi / 3), math.sin(-math.pi / 2 + k * 2 * math.pi / 3)) for k in range(3)]
    if shape == "star":
        return [((1.0 if k % 2 == 0 else 0.42) * math.cos(-math.pi / 2 + k * math.pi / 5),
                 (1.0 if k % 2 == 0 else 0.42) * math.sin(-math.pi / 2 + k * math.pi / 5)) for k in range(10)]
    if shape == "cross":
        w = 0.32
        return [(-w, -1), (w, -1), (w, -w), (1, -w), (1, w), (w, w), (w, 1), (-w, 1), (-w, w), (-1, w), (-1, -w), (-w, -w)]
    if shape == "heart":
        pts = []
        for k in range(40):
            t = 2 * math.pi * k / 40
            x = 16 * math.sin(t) ** 3
            y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            pts.append((x / 17, -(y + 2.5) / 17))
        return pts
    raise ValueError(shape)


def unnamed_colour(shape, rng):
    """A random RGB colour for a shape, kept well away from the colour it is held out in.

    Shapes seen in hundreds of unnamed colours learn features that do not depend on colour; the
    exclusion keeps every held-out pair unseen: no red star, not even a reddish one.
    """
    banned = [COLOURS[c] for c, s in HELD_OUT if s == shape]
    while True:
        rgb = tuple(rng.uniform(0, 255) for _ in range(3))
        if all(sum((x - y) ** 2 for x, y in zip(rgb, b)) ** 0.5 > UNNAMED_MIN_DISTANCE for b in banned):
            return rgb


# RGB distance an unnamed colour keeps from a shape's held-out colour.
UNNAMED_MIN_DISTANCE = 150


def shape_mask(shape, cx, cy, radius, rng, width, height):
    """Boolean HxW mask of a shape at a random rotation (hearts, triangles and stars stay upright-ish)."""
    angle = rng.uniform(-0.35, 0.35) if shape in ("heart", "triangle", "star") else rng.uniform(0, 2 * math.pi)
    ca, sa = math.cos(angle), math.sin(angle)
    points = [(cx + radius * (x * ca - y * sa), cy + radius * (x * sa + y * ca)) for x, y in outline(shape)]
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).polygon(points, fill=255)
    return np.asarray(mask) > 0


def jittered(colour, rng):
    """A named colour (or an RGB triple) with a little random variation per channel."""
    return np.array([v + rng.uniform(-18, 18) for v in (COLOURS[colour] if colour in COLOURS else colour)], dtype=np.float32)


def render(colour, shape, rng, width=SIZE, height=SIZE, confetti=False):
    """Draw one image as uint8 HxWx3; rng is a random.Random.

    confetti=True fills the shape with random colours per pixel instead of `colour`: a picture of
    a shape that has no colour to name, for training shape features that do not lean on colour.
    """
    scale = min(width, height)
    grey = rng.uniform(0.3, 0.7) * 255
    background = np.array([grey + rng.uniform(-20, 20) for _ in range(3)], dtype=np.float32)
    image = np.empty((height, width, 3), dtype=np.float32)
    image[:] = background
    cx = width / 2 + rng.uniform(-0.18, 0.18) * scale
    cy = height / 2 + rng.uniform(-0.18, 0.18) * scale
    radius = rng.uniform(0.22, 0.36) * scale
    inside = shape_mask(shape, cx, cy, radius, rng, width, height)
    fill = jittered(colour, rng)
    noise_rng = np.random.default_rng(rng.getrandbits(32))
    image[inside] = noise_rng.uniform(0, 255, size=(int(inside.sum()), 3)) if confetti else fill
    image += noise_rng.normal(0, 14, size=image.shape).astype(np.float32)
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def render_two(objects, rng, confetti=False):
    """Two smaller objects, one in each half (left/right or top/bottom), on one noisy background."""
    grey = rng.uniform(0.3, 0.7) * 255
    background = np.array([grey + rng.uniform(-20, 20) for _ in range(3)], dtype=np.float32)
    image = np.empty((SIZE, SIZE, 3), dtype=np.float32)
    image[:] = background
    horizontal = rng.random() < 0.5
    noise_rng = np.random.default_rng(rng.getrandbits(32))
    for k, (colour, shape) in enumerate(objects):
        along = SIZE * (0.27 + 0.46 * k) + rng.uniform(-0.04, 0.04) * SIZE
        across = SIZE / 2 + rng.uniform(-0.2, 0.2) * SIZE
        cx, cy = (along, across) if horizontal else (across, along)
        radius = rng.uniform(0.13, 0.2) * SIZE
        inside = shape_mask(shape, cx, cy, radius, rng, SIZE, SIZE)
        fill = jittered(colour, rng)
        image[inside] = noise_rng.uniform(0, 255, size=(int(inside.sum()), 3)) if confetti else fill
    image += noise_rng.normal(0, 14, size=image.shape).astype(np.float32)
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)
