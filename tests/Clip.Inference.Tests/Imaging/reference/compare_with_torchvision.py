#!/usr/bin/python3
"""Compares `clip preprocess` with OpenAI CLIP's torchvision pipeline on any images you have.

    dotnet build src/Clip.Cli
    /usr/bin/python3 tests/Clip.Inference.Tests/Imaging/reference/compare_with_torchvision.py \
        --clip "dotnet src/Clip.Cli/bin/Debug/net10.0/clip.dll" photo1.jpg photo2.png ...

Reads size, crop, mean and std from the bundle's preprocessor_config.json (default: the bundled
model), so both sides use the same parameters. Prints mean and max absolute difference per image
in normalised units (one 8-bit grey level is about 0.015).
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image, ImageOps
from torchvision import transforms
from torchvision.transforms import InterpolationMode

HERE = os.path.dirname(os.path.abspath(__file__))
BUNDLE = os.path.join(HERE, "..", "..", "..", "..", "src", "Clip.Inference", "Models", "tiny-clip")


def reference(path, config):
    size = config["size"]["shortest_edge"] if isinstance(config["size"], dict) else config["size"]
    crop = config["crop_size"]
    crop = (crop["height"], crop["width"]) if isinstance(crop, dict) else (crop, crop)
    pipeline = transforms.Compose([
        transforms.Resize(size, interpolation=InterpolationMode.BICUBIC),
        transforms.CenterCrop(crop),
        lambda im: im.convert("RGB"),
        transforms.ToTensor(),
        transforms.Normalize(config["image_mean"], config["image_std"]),
    ])
    # clip applies EXIF orientation; OpenAI's pipeline does not, so do it here to compare like with like.
    return pipeline(ImageOps.exif_transpose(Image.open(path))).numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--clip", required=True, help="command that runs clip, e.g. 'dotnet path/to/clip.dll'")
    p.add_argument("--model", default=BUNDLE)
    p.add_argument("images", nargs="+")
    a = p.parse_args()
    config = json.load(open(os.path.join(a.model, "preprocessor_config.json")))
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for path in a.images:
            out = os.path.join(tmp, "x.f32")
            cmd = shlex.split(a.clip) + ["preprocess", path, "--out", out, "--model", a.model]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                print(f"{path}: clip failed: {run.stderr.strip()}")
                continue
            ref = reference(path, config)
            ours = np.fromfile(out, dtype="<f4").reshape(ref.shape)
            diff = np.abs(ours - ref)
            worst = max(worst, diff.mean())
            print(f"{path}: mean {diff.mean():.5f} max {diff.max():.4f}")
    print(f"worst mean {worst:.5f}")


if __name__ == "__main__":
    sys.exit(main())
