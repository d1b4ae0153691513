#!/usr/bin/python3
"""Measure the CLIP preprocessing a Python user runs with Pillow: the reference for the C# pipeline.

    /usr/bin/python3 tests/Clip.Benchmarks/perf/pillow_preprocess.py DIR... [--mode exact|draft|decode]
        [--seconds S] [--threads N] [--json] [--dump OUTDIR]

For each image file in each DIR (not recursive): Image.open from the bytes, then
    draft and decode modes: im.draft("RGB", (w // s, h // s)), where s is the largest of 1, 2, 4, 8 with
        short side / s >= 2 * 224 (1 when none has), so that libjpeg decodes at 1/s scale and still
        leaves at least twice the resize target (a no-op for formats other than JPEG);
    decode mode stops here with im.load(): libjpeg-turbo's decode at that scale and nothing else, the
        floor under any fast pipeline built on it (--dump is refused: there is no tensor);
    im.convert("RGB") unless already RGB;
    torchvision's Resize(224, BICUBIC): Pillow resize of the short side to 224, the long side to
        int(224 * long / short);
    torchvision's CenterCrop(224): top = int(round((h - 224) / 2)), left likewise (Python's round);
    ToTensor and Normalize: float32 / 255, minus OpenAI CLIP's mean, over its std, as CHW.

All files' bytes are read into memory first; one untimed pass warms up (and writes --dump), then
the files are processed in turn, decoding from BytesIO, for at least S seconds (default 5). With
--threads N, N threads each do so (Pillow releases the GIL while it decodes and resizes); the
default is one thread, a single Python process's pipeline. One line per DIR:

    dir=PATH mode=exact threads=1 files=48 mean_mp=0.52 images=1234 seconds=5.003 images_per_s=246.7
        ms_per_image=4.054 cpu_ms_per_image=3.9   (on one line)

(--json: the same fields as one JSON object per line.) ms_per_image is wall time per image, so
with N threads it is the reciprocal of the total rate; cpu_ms_per_image is the threads' own CPU
time per image, which a shared machine's other work inflates far less than wall time.

--dump OUTDIR writes each image's tensor as little-endian float32 CHW to
OUTDIR/<basename of DIR>/<file name>.f32, for parity checks against the C# preprocessor.
"""
import argparse
import io
import json
import os
import threading
import time

import numpy as np
from PIL import Image

SIZE = 224
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")


def draft_scale(width, height):
    return next((s for s in (8, 4, 2) if min(width, height) / s >= 2 * SIZE), 1)


def preprocess(data, mode):
    im = Image.open(io.BytesIO(data))
    if mode != "exact":
        s = draft_scale(*im.size)
        im.draft("RGB", (im.width // s, im.height // s))
    if mode == "decode":
        im.load()
        return None
    if im.mode != "RGB":
        im = im.convert("RGB")
    w, h = im.size
    short, long = min(w, h), max(w, h)
    resized = (SIZE, int(SIZE * long / short))
    im = im.resize(resized if w <= h else resized[::-1], Image.BICUBIC)
    top, left = int(round((im.height - SIZE) / 2.0)), int(round((im.width - SIZE) / 2.0))
    im = im.crop((left, top, left + SIZE, top + SIZE))
    pixels = (np.asarray(im, dtype=np.float32) / 255 - MEAN) / STD
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def load(folder):
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(EXTENSIONS))
    blobs = []
    for name in names:
        with open(os.path.join(folder, name), "rb") as f:
            blobs.append(f.read())
    return names, blobs


def timed(blobs, mode, seconds, threads):
    """Images processed, wall seconds and CPU seconds: each thread loops over all files until the time is up."""
    counts, cpu = [0] * threads, [0.0] * threads
    start = time.perf_counter()
    deadline = start + seconds

    def work(slot):
        cpu_start = time.thread_time()
        while time.perf_counter() < deadline:
            for data in blobs:
                preprocess(data, mode)
            counts[slot] += len(blobs)
        cpu[slot] = time.thread_time() - cpu_start

    workers = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts), time.perf_counter() - start, sum(cpu)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+", metavar="DIR")
    p.add_argument("--mode", choices=("exact", "draft", "decode"), default="exact")
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", action="store_true")
    p.add_argument("--dump", metavar="OUTDIR")
    a = p.parse_args()
    if a.dump and a.mode == "decode":
        p.error("--dump needs a tensor: use --mode exact or draft")

    for folder in a.dirs:
        names, blobs = load(folder)
        if not blobs:
            raise SystemExit(f"{folder}: no image files")
        megapixels = [w * h / 1e6 for w, h in (Image.open(io.BytesIO(b)).size for b in blobs)]
        dump = a.dump and os.path.join(a.dump, os.path.basename(os.path.normpath(folder)))
        if dump:
            os.makedirs(dump, exist_ok=True)
        for name, data in zip(names, blobs):
            tensor = preprocess(data, a.mode)
            if dump:
                tensor.astype("<f4").tofile(os.path.join(dump, name + ".f32"))
        images, seconds, cpu_seconds = timed(blobs, a.mode, a.seconds, a.threads)
        result = {
            "dir": folder, "mode": a.mode, "threads": a.threads, "files": len(blobs),
            "mean_mp": round(sum(megapixels) / len(megapixels), 3), "images": images, "seconds": round(seconds, 3),
            "images_per_s": round(images / seconds, 1), "ms_per_image": round(1000 * seconds / images, 3),
            "cpu_ms_per_image": round(1000 * cpu_seconds / images, 3),
        }
        print(json.dumps(result) if a.json else " ".join(f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
