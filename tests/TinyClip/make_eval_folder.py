#!/usr/bin/python3
"""Renders a labelled ImageFolder of the synthetic world for `clip eval`.

    /usr/bin/python3 tests/TinyClip/make_eval_folder.py OUT --task shapes|colours|colour-shapes [--held-out]
        [--per-combination 4] [--size WIDTHxHEIGHT] [--jpeg QUALITY]

Sub-folders are the class ids of the matching shipped taxonomy (tiny-shapes, tiny-colours,
tiny-colour-shapes). --held-out renders only the six colour-shape pairs the model never saw.
--size renders at another size than the model's 224x224 (e.g. 4032x3024, a phone photo, to measure
the fast JPEG decoding's effect on accuracy); --jpeg saves JPEGs of that quality instead of PNGs.
"""
import argparse
import os
import random

from PIL import Image

from synthetic_world import HELD_OUT, render, training_combinations


def class_id(task, colour, shape):
    return {"shapes": shape, "colours": f"{colour}-shape", "colour-shapes": f"{colour}-{shape}"}[task]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--task", choices=["shapes", "colours", "colour-shapes"], required=True)
    p.add_argument("--held-out", action="store_true")
    p.add_argument("--per-combination", type=int, default=4)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--size", default="224x224", help="WIDTHxHEIGHT")
    p.add_argument("--jpeg", type=int, metavar="QUALITY", help="save JPEGs of this quality instead of PNGs")
    a = p.parse_args()
    width, height = (int(v) for v in a.size.split("x"))
    rng = random.Random(a.seed)
    combos = HELD_OUT if a.held_out else training_combinations()
    for k in range(a.per_combination):
        for colour, shape in combos:
            folder = os.path.join(a.out, class_id(a.task, colour, shape))
            os.makedirs(folder, exist_ok=True)
            image = Image.fromarray(render(colour, shape, rng, width, height))
            name = os.path.join(folder, f"{colour}-{shape}-{k}")
            if a.jpeg:
                image.save(name + ".jpg", quality=a.jpeg)
            else:
                image.save(name + ".png")


if __name__ == "__main__":
    main()
