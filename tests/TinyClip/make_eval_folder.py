#!/usr/bin/python3
"""Renders a labelled ImageFolder of the synthetic world for `clip eval`.

    /usr/bin/python3 tests/TinyClip/make_eval_folder.py OUT --task shapes|colours|colour-shapes [--held-out] [--per-class 20]

Sub-folders are the class ids of the matching shipped taxonomy (tiny-shapes, tiny-colours,
tiny-colour-shapes). --held-out renders only the six colour-shape pairs the model never saw.
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
    a = p.parse_args()
    rng = random.Random(a.seed)
    combos = HELD_OUT if a.held_out else training_combinations()
    for k in range(a.per_combination):
        for colour, shape in combos:
            folder = os.path.join(a.out, class_id(a.task, colour, shape))
            os.makedirs(folder, exist_ok=True)
            Image.fromarray(render(colour, shape, rng)).save(os.path.join(folder, f"{colour}-{shape}-{k}.png"))


if __name__ == "__main__":
    main()
