#!/usr/bin/python3
"""Train and export the tiny CLIP-architecture model that ships with Clip.Workers.

The model is a real CLIP in miniature: a ViT image tower on 224x224 input, a causal
text transformer over the full 49,408-token CLIP BPE vocabulary with end-token
pooling, linear projections into a shared space and a learnable logit scale, trained
with the symmetric contrastive loss. Its world is synthetic: coloured shapes on noisy
backgrounds, captioned with CLIP-style prompts. Some colour+shape combinations are
never shown during training, so tests can measure compositional generalisation.

Run with Debian's torch (see tests/TinyClip/README.md):

    /usr/bin/python3 tests/TinyClip/generate_tiny_clip.py --out src/Clip.Inference/Models/tiny-clip

Everything is seeded; the exported bundle is committed so nothing needs Python at
test time.
"""
import argparse
import json
import math
import os
import random
import shutil
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "Clip.Inference.Tests", "Tokenization", "reference"))
from make_reference import Tokenizer  # noqa: E402
from synthetic_world import (  # noqa: E402
    COLOURS,
    HELD_OUT,
    SHAPES,
    render,
    render_two,
    training_combinations,
    unnamed_colour,
)

CONTEXT_LENGTH = 77
SOT, EOT = 49406, 49407
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


class CaptionEncoder:
    """Captions to zero-padded CLIP token ids, with the Python reference tokenizer the C# one is tested against."""

    def __init__(self, vocab_gz):
        self.tokenizer = Tokenizer(vocab_gz)

    def encode(self, caption):
        ids, truncated = self.tokenizer.tokenize(caption, CONTEXT_LENGTH)
        assert not truncated, caption
        return ids + [0] * (CONTEXT_LENGTH - len(ids))


# --- the model ---
class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x, mask=None):
        b, n, w = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(b, n, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(w // self.heads)
        if mask is not None:
            att = att + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, n, w)
        x = x + self.proj(y)
        return x + self.mlp(self.ln2(x))


class VisionTower(nn.Module):
    def __init__(self, width, layers, heads, patch, image, embed):
        super().__init__()
        self.patchify = nn.Conv2d(3, width, patch, patch, bias=False)
        grid = image // patch
        self.cls = nn.Parameter(torch.randn(width) * width**-0.5)
        self.pos = nn.Parameter(torch.randn(grid * grid + 1, width) * 0.02)
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(width)
        self.projection = nn.Linear(width, embed, bias=False)

    def forward(self, pixels):
        x = self.patchify(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1) + self.pos
        x = self.ln_pre(x)
        for blk in self.blocks:
            x = blk(x)
        return self.projection(self.ln_post(x[:, 0]))


class TextTower(nn.Module):
    def __init__(self, width, layers, heads, vocab, embed):
        super().__init__()
        self.token = nn.Embedding(vocab, width)
        nn.init.normal_(self.token.weight, std=0.02)
        self.pos = nn.Parameter(torch.randn(CONTEXT_LENGTH, width) * 0.01)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(width)
        self.projection = nn.Linear(width, embed, bias=False)
        causal = torch.full((CONTEXT_LENGTH, CONTEXT_LENGTH), float("-inf")).triu(1)
        self.register_buffer("causal", causal, persistent=False)

    def forward(self, ids):
        n = ids.shape[1]
        x = self.token(ids) + self.pos[:n]
        mask = self.causal[:n, :n]
        for blk in self.blocks:
            x = blk(x, mask)
        x = self.ln_final(x)
        # End-token pooling: <|endoftext|> has the largest id, so argmax finds it.
        end = ids.argmax(dim=-1)
        pooled = x[torch.arange(x.shape[0]), end]
        return self.projection(pooled)


class TinyClip(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.visual = VisionTower(a.vision_width, a.vision_layers, a.vision_heads, a.patch, a.image_size, a.embed_dim)
        self.text = TextTower(a.text_width, a.text_layers, a.text_heads, EOT + 1, a.embed_dim)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


class ImageEncoderExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.visual = model.visual

    def forward(self, pixel_values):
        return self.visual(pixel_values)


class TextEncoderExport(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.text = model.text

    def forward(self, input_ids):
        return self.text(input_ids)


# --- data ---
TEMPLATES = [
    "a photo of a {}.",
    "a picture of a {}.",
    "a drawing of a {}.",
    "a rendering of a {}.",
    "an image of a {}.",
    "a {}.",
    "a photo of the {}.",
    "a close-up photo of a {}.",
    "a bright photo of a {}.",
    "a blurry photo of a {}.",
    "a {} on a noisy background.",
    "itap of a {}.",
]
COLOUR_ONLY_TEMPLATES = [
    "a photo of something {}.",
    "a {} thing.",
    "a {} shape.",
    "something coloured {}.",
    "a picture of something {}.",
]


def caption_for(objects, rng):
    """A caption about one object of the scene, and the attributes it asserts (None: says nothing)."""
    colour, shape = rng.choice(objects)
    kind = rng.random()
    if kind < 0.4:
        return rng.choice(TEMPLATES).format(f"{colour} {shape}"), (colour, shape)
    if kind < 0.8:
        return rng.choice(TEMPLATES).format(shape), (None, shape)
    return rng.choice(COLOUR_ONLY_TEMPLATES).format(colour), (colour, None)


def colourless_look(caption_attrs, rng, a):
    """For a shape-only caption, maybe show its picture without a nameable colour."""
    if caption_attrs[0] is not None:
        return None
    draw = rng.random()
    if draw < a.unnamed:
        return "unnamed"
    if draw < a.unnamed + a.greyscale:
        return "greyscale"
    if draw < a.unnamed + a.greyscale + a.confetti:
        return "confetti"
    return None


def draw(objects, rng, confetti=False):
    return render(*objects[0], rng, confetti=confetti) if len(objects) == 1 else render_two(objects, rng, confetti=confetti)


def restyle(image, objects, look, rng):
    if look == "greyscale":
        return greyscale(image)
    if look == "confetti":
        return draw(objects, rng, confetti=True)
    if look == "unnamed":
        return draw([(unnamed_colour(shape, rng), shape) for _, shape in objects], rng)
    return image


def scene(combos, rng, two_objects):
    """One object, or (with probability two_objects) two different training combinations."""
    if rng.random() < two_objects:
        return rng.sample(combos, 2)
    return [rng.choice(combos)]


def greyscale(image):
    luma = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return np.repeat(np.clip(luma + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=-1)


def normalise(batch_uint8):
    x = torch.from_numpy(batch_uint8).permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (x - mean) / std


def soft_cross_entropy(logits, target):
    """Cross-entropy against row-normalised soft targets; masked (-inf) logits have zero target."""
    log_p = logits.log_softmax(1)
    weights = target / target.sum(1, keepdim=True)
    return -torch.where(weights > 0, weights * log_p, torch.zeros_like(log_p)).sum(1).mean()


HELD_OUT_SHAPE_OF = {colour: shape for colour, shape in HELD_OUT}


def near_held_out(caption_attrs, objects):
    """Whether a caption names the shape that some object's colour is held out with."""
    shape = caption_attrs[1]
    return shape is not None and any(HELD_OUT_SHAPE_OF.get(colour) == shape for colour, _ in objects)


def describes(caption_attrs, objects):
    """Whether a caption is true of some object in a scene; a colourless object (colour None) has no colour to name."""
    cc, cs = caption_attrs
    return any((cc is None or cc == oc) and (cs is None or cs == os_) for oc, os_ in objects)


def evaluate(model, encoder, size, seed, combos, label):
    rng = random.Random(seed)
    imgs, truth = [], []
    for i in range(size):
        colour, shape = combos[i % len(combos)]
        imgs.append(render(colour, shape, rng))
        truth.append((colour, shape))
    with torch.no_grad():
        img = F.normalize(model.visual(normalise(np.stack(imgs))), dim=-1)

        def classify(names, pick):
            ids = torch.tensor([encoder.encode(f"a photo of a {n}.") for n in names])
            txt = F.normalize(model.text(ids), dim=-1)
            pred = (img @ txt.T).argmax(-1).tolist()
            return sum(names[p] == pick(t) for p, t in zip(pred, truth)) / len(truth)

        shape_acc = classify(SHAPES, lambda t: t[1])
        colour_names = [f"{c} shape" for c in COLOURS]
        colour_acc = classify(colour_names, lambda t: f"{t[0]} shape")
        pairs = [f"{c} {s}" for c in COLOURS for s in SHAPES]
        pair_acc = classify(pairs, lambda t: f"{t[0]} {t[1]}")
    print(f"[{label}] shape {shape_acc:.3f} colour {colour_acc:.3f} colour+shape {pair_acc:.3f}", flush=True)
    return shape_acc, colour_acc, pair_acc


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--vocab", default=os.path.join(os.path.dirname(__file__), "..", "..", "src", "Clip.Inference", "Models", "tiny-clip", "bpe_simple_vocab_16e6.txt.gz"))
    p.add_argument("--seed", type=int, default=20261127)
    p.add_argument("--minutes", type=float, default=45.0, help="training wall-clock budget")
    p.add_argument("--steps", type=int, default=0, help="train for exactly this many steps (reproducible); 0 = use --minutes")
    p.add_argument("--pool", type=int, default=16000, help="pre-rendered training images")
    p.add_argument("--refresh", type=int, default=2000, help="pool images re-rendered per epoch")
    p.add_argument("--batch", type=int, default=48)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--image-size", type=int, default=224)
    p.add_argument("--patch", type=int, default=32)
    p.add_argument("--vision-width", type=int, default=96)
    p.add_argument("--vision-layers", type=int, default=4)
    p.add_argument("--vision-heads", type=int, default=4)
    p.add_argument("--text-width", type=int, default=64)
    p.add_argument("--text-layers", type=int, default=2)
    p.add_argument("--text-heads", type=int, default=4)
    p.add_argument("--embed-dim", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--two-objects", type=float, default=0.25, help="share of training scenes with two objects")
    p.add_argument("--unnamed", type=float, default=0.5, help="share of shape-only captions whose shapes get random unnamed colours")
    p.add_argument("--greyscale", type=float, default=0.15, help="share of shape-only captions whose picture is shown in greyscale")
    p.add_argument("--confetti", type=float, default=0.15, help="share of shape-only captions whose shape is filled with random colours")
    p.add_argument("--checkpoints", default="", help="also export a bundle here every 1000 steps")
    a = p.parse_args()

    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    np.random.seed(a.seed)
    torch.set_num_threads(a.threads)
    encoder = CaptionEncoder(a.vocab)
    combos = training_combinations()
    model = TinyClip(a)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.05)

    t0 = time.time()
    pool_attrs = [scene(combos, rng, a.two_objects) for _ in range(a.pool)]
    pool = np.stack([draw(objects, rng) for objects in pool_attrs])
    print(f"rendered {a.pool} images in {time.time() - t0:.0f}s", flush=True)

    budget = a.minutes * 60
    start = time.time()
    step = 0
    epoch = 0
    def progress():
        return step / a.steps if a.steps else (time.time() - start) / budget

    while progress() < 1:
        order = list(range(a.pool))
        rng.shuffle(order)
        for b0 in range(0, a.pool - a.batch + 1, a.batch):
            elapsed = time.time() - start
            if progress() >= 1:
                break
            lr = a.lr * min(1.0, (step + 1) / 200) * (0.5 * (1 + math.cos(math.pi * min(1.0, progress()))) * 0.95 + 0.05)
            for g in opt.param_groups:
                g["lr"] = lr
            idx = order[b0 : b0 + a.batch]
            caps = [caption_for(pool_attrs[i], rng) for i in idx]
            # Shape-only captions describe pictures with no nameable colour (greyscale, or a confetti
            # fill). Otherwise "a photo of a star." learns the average colour of training stars, which
            # is never red, and a red star is matched to a shape that does come in red: below chance
            # on every held-out pair. Colourless, every shape prompt carries the same colour component.
            looks = [colourless_look(ca, rng, a) for _, ca in caps]
            images = normalise(np.stack([restyle(pool[i], pool_attrs[i], look, rng) for i, look in zip(idx, looks)]))
            attrs = [[(None, shape) for _, shape in pool_attrs[i]] if look else pool_attrs[i] for i, look in zip(idx, looks)]
            ids = torch.tensor([encoder.encode(c) for c, _ in caps])
            # Soft targets: a caption is a positive for every image it truly describes.
            target = torch.tensor([[1.0 if describes(ca, attrs[j]) else 0.0 for j in range(len(idx))] for _, ca in caps])
            img = F.normalize(model.visual(images), dim=-1)
            txt = F.normalize(model.text(ids), dim=-1)
            logits = model.logit_scale.exp().clamp(max=100) * txt @ img.T
            # Held out means unknown, not known-false: a caption naming a shape never counts as a
            # negative for a picture in that shape's held-out colour (red things never push away
            # from "star"), or the model learns "red, so not a star" and fails every held-out pair.
            unseen = torch.tensor([[bool(target[i, j] == 0 and near_held_out(ca, attrs[j])) for j in range(len(idx))]
                                   for i, (_, ca) in enumerate(caps)])
            logits = logits.masked_fill(unseen, float("-inf"))
            loss_t = soft_cross_entropy(logits, target)
            loss_i = soft_cross_entropy(logits.T, target.T)
            loss = (loss_t + loss_i) / 2
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if step % 200 == 0:
                print(f"step {step} epoch {epoch} {elapsed / 60:.1f} min loss {loss.item():.3f} scale {model.logit_scale.exp().item():.1f} lr {lr:.2e}", flush=True)
            if step % 1000 == 0:
                model.eval()
                seen = evaluate(model, encoder, 320, 7, combos, "seen")
                held = evaluate(model, encoder, 320, 8, HELD_OUT, "held-out")
                if a.checkpoints:
                    export(model, a, encoder, seen, held, step, os.path.join(a.checkpoints, f"step-{step}"))
                model.train()
        epoch += 1
        for i in rng.sample(range(a.pool), a.refresh):
            pool[i] = draw(pool_attrs[i], rng)

    model.eval()
    seen = evaluate(model, encoder, 960, 11, combos, "seen")
    held = evaluate(model, encoder, 960, 12, HELD_OUT, "held-out")
    export(model, a, encoder, seen, held, step, a.out)


def export(model, a, encoder, seen, held, steps, out):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    if os.path.abspath(os.path.dirname(a.vocab)) != os.path.abspath(out):
        shutil.copy(a.vocab, os.path.join(out, os.path.basename(a.vocab)))
    pixels = torch.zeros(2, 3, a.image_size, a.image_size)
    torch.onnx.export(
        ImageEncoderExport(model), (pixels,), os.path.join(out, "onnx", "vision_model.onnx"),
        input_names=["pixel_values"], output_names=["image_embeds"],
        dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}, opset_version=17,
    )
    ids = torch.tensor([encoder.encode("a photo of a red circle."), encoder.encode("a star.")])
    torch.onnx.export(
        TextEncoderExport(model), (ids,), os.path.join(out, "onnx", "text_model.onnx"),
        input_names=["input_ids"], output_names=["text_embeds"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "text_embeds": {0: "batch"}}, opset_version=17,
    )
    config = {
        "model_type": "clip",
        "model_id": "clip-workers/tiny-clip-v1",
        "projection_dim": a.embed_dim,
        "logit_scale": round(float(model.logit_scale.exp().clamp(max=100)), 4),
        "text_config": {"hidden_size": a.text_width, "num_hidden_layers": a.text_layers, "num_attention_heads": a.text_heads,
                        "vocab_size": EOT + 1, "max_position_embeddings": CONTEXT_LENGTH, "eos_token_id": EOT, "bos_token_id": SOT},
        "vision_config": {"hidden_size": a.vision_width, "num_hidden_layers": a.vision_layers, "num_attention_heads": a.vision_heads,
                          "image_size": a.image_size, "patch_size": a.patch},
        "training": {"seed": a.seed, "steps": steps, "batch": a.batch, "pool": a.pool, "two_objects": a.two_objects, "unnamed": a.unnamed, "greyscale": a.greyscale, "confetti": a.confetti, "lr": a.lr,
                     "colours": COLOURS, "shapes": SHAPES, "held_out": [list(h) for h in HELD_OUT],
                     "python_eval": {"seen": dict(zip(["shape", "colour", "colour_shape"], seen)),
                                     "held_out": dict(zip(["shape", "colour", "colour_shape"], held))}},
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    pre = {
        "do_resize": True, "size": {"shortest_edge": a.image_size}, "resample": 3,
        "do_center_crop": True, "crop_size": {"height": a.image_size, "width": a.image_size},
        "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": MEAN, "image_std": STD, "do_convert_rgb": True,
        "image_processor_type": "CLIPImageProcessor",
    }
    with open(os.path.join(out, "preprocessor_config.json"), "w") as f:
        json.dump(pre, f, indent=2)
        f.write("\n")
    print("exported to", out, flush=True)


if __name__ == "__main__":
    main()
