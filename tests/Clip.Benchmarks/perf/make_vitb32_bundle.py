#!/usr/bin/python3
"""Write a random-weight model bundle with OpenAI CLIP ViT-B/32's exact architecture, for benchmarks.

The weights are random (seeded), so the labels it gives mean nothing; what it has is the real
model's size and cost: a 224 px ViT with 32 px patches, width 768, 12 layers, 12 heads (pre-LN,
class token, ln_pre, ln_post, projection to 512) and a causal text transformer over the 49,408-token
CLIP vocabulary, context 77, width 512, 12 layers, 8 heads, QuickGELU, ln_final, projection to 512,
pooled at the end-of-text token (the argmax of input_ids). The bundle has the layout, ONNX input and
output names, dynamic axes and opset of the bundled tiny model (tests/TinyClip/generate_tiny_clip.py),
and its outputs are L2-normalised in the graph.

With --null-vision the image graph instead averages the pixels to 12 numbers and projects them to
512: the same inputs, outputs and text tower at almost no cost, so a harness can measure how fast
the pipeline could feed an infinitely fast accelerator.

The folder is about 600 MB and is never committed. Run with Debian's torch:

    /usr/bin/python3 tests/Clip.Benchmarks/perf/make_vitb32_bundle.py [--out DIR] [--null-vision]

DIR defaults to $XDG_CACHE_HOME/clip-workers/vit-b-32-random (or .../vit-b-32-null-vision),
XDG_CACHE_HOME defaulting to ~/.cache. The script checks that the text tower gives the same
end-of-text embedding for a batch padded to 20 tokens as padded to 77 (with onnxruntime on the
exported graph when it is installed, else with torch on the module that was exported), then load it:

    dotnet run --project src/Clip.Cli -- embed src/Clip.Cli/samples/red-circle.png --model DIR
"""
import argparse
import json
import os
import shutil

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TINY_BUNDLE = os.path.join(REPO, "src", "Clip.Inference", "Models", "tiny-clip")
VOCAB_FILE = "bpe_simple_vocab_16e6.txt.gz"

IMAGE_SIZE, PATCH = 224, 32
VISION_WIDTH, VISION_LAYERS, VISION_HEADS = 768, 12, 12
CONTEXT_LENGTH, VOCAB_SIZE = 77, 49408
TEXT_WIDTH, TEXT_LAYERS, TEXT_HEADS = 512, 12, 8
EMBED_DIM = 512
SOT, EOT = 49406, 49407
OPSET = 17


def l2_normalise(x):
    # Not F.normalize: its export leaves the embedding width symbolic, and the C# encoders read it from the graph.
    return x / x.norm(dim=-1, keepdim=True)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    """CLIP's pre-LN transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x))."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.in_proj = nn.Linear(width, 3 * width)
        self.out_proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))

    def forward(self, x, mask=None):
        b, n, w = x.shape
        q, k, v = self.in_proj(self.ln_1(x)).reshape(b, n, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        att = (q @ k.transpose(-2, -1)) * (w // self.heads) ** -0.5
        if mask is not None:
            att = att + mask
        x = x + self.out_proj((att.softmax(-1) @ v).transpose(1, 2).reshape(b, n, w))
        return x + self.mlp(self.ln_2(x))


class VisionTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        scale = VISION_WIDTH**-0.5
        self.conv1 = nn.Conv2d(3, VISION_WIDTH, PATCH, PATCH, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(VISION_WIDTH))
        self.positional_embedding = nn.Parameter(scale * torch.randn((IMAGE_SIZE // PATCH) ** 2 + 1, VISION_WIDTH))
        self.ln_pre = nn.LayerNorm(VISION_WIDTH)
        self.blocks = nn.ModuleList([ResidualAttentionBlock(VISION_WIDTH, VISION_HEADS) for _ in range(VISION_LAYERS)])
        self.ln_post = nn.LayerNorm(VISION_WIDTH)
        self.proj = nn.Parameter(scale * torch.randn(VISION_WIDTH, EMBED_DIM))

    def forward(self, pixel_values):
        x = self.conv1(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], dim=1) + self.positional_embedding
        x = self.ln_pre(x)
        for block in self.blocks:
            x = block(x)
        return l2_normalise(self.ln_post(x[:, 0]) @ self.proj)


class NullVision(nn.Module):
    """The image tower's contract at almost no cost: 2x2 average pool per channel, 12 -> 512, normalise."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Parameter(torch.randn(12, EMBED_DIM))

    def forward(self, pixel_values):
        pooled = F.avg_pool2d(pixel_values, IMAGE_SIZE // 2).flatten(1)
        return l2_normalise(pooled @ self.proj)


class TextTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding = nn.Embedding(VOCAB_SIZE, TEXT_WIDTH)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        self.positional_embedding = nn.Parameter(0.01 * torch.randn(CONTEXT_LENGTH, TEXT_WIDTH))
        self.blocks = nn.ModuleList([ResidualAttentionBlock(TEXT_WIDTH, TEXT_HEADS) for _ in range(TEXT_LAYERS)])
        self.ln_final = nn.LayerNorm(TEXT_WIDTH)
        self.text_projection = nn.Parameter(TEXT_WIDTH**-0.5 * torch.randn(TEXT_WIDTH, EMBED_DIM))
        self.register_buffer("causal", torch.full((CONTEXT_LENGTH, CONTEXT_LENGTH), float("-inf")).triu(1), persistent=False)

    def forward(self, input_ids):
        n = input_ids.shape[1]
        x = self.token_embedding(input_ids) + self.positional_embedding[:n]
        mask = self.causal[:n, :n]
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln_final(x)
        pooled = x[torch.arange(x.shape[0]), input_ids.argmax(dim=-1)]
        return l2_normalise(pooled @ self.text_projection)


def default_out(null_vision):
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(cache, "clip-workers", "vit-b-32-null-vision" if null_vision else "vit-b-32-random")


def padded_ids(rng, lengths, pad_to):
    """Token sequences of the given lengths (start and end tokens included), zero-padded to pad_to."""
    rows = []
    for length in lengths:
        body = rng.integers(1, SOT, size=length - 2).tolist()
        rows.append([SOT] + body + [EOT] + [0] * (pad_to - length))
    return torch.tensor(rows, dtype=torch.int64)


def export(vision, text, out, model_id, seed):
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    shutil.copy(os.path.join(TINY_BUNDLE, VOCAB_FILE), os.path.join(out, VOCAB_FILE))
    shutil.copy(os.path.join(TINY_BUNDLE, "preprocessor_config.json"), os.path.join(out, "preprocessor_config.json"))
    torch.onnx.export(
        vision, (torch.zeros(2, 3, IMAGE_SIZE, IMAGE_SIZE),), os.path.join(out, "onnx", "vision_model.onnx"),
        input_names=["pixel_values"], output_names=["image_embeds"],
        dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}, opset_version=OPSET,
    )
    torch.onnx.export(
        text, (padded_ids(np.random.default_rng(seed), [9, 5], CONTEXT_LENGTH),), os.path.join(out, "onnx", "text_model.onnx"),
        input_names=["input_ids"], output_names=["text_embeds"],
        dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "text_embeds": {0: "batch"}}, opset_version=OPSET,
    )
    config = {
        "model_type": "clip",
        "model_id": model_id,
        "projection_dim": EMBED_DIM,
        "logit_scale": 100.0,
        "text_config": {"hidden_size": TEXT_WIDTH, "intermediate_size": 4 * TEXT_WIDTH, "num_hidden_layers": TEXT_LAYERS,
                        "num_attention_heads": TEXT_HEADS, "hidden_act": "quick_gelu", "vocab_size": VOCAB_SIZE,
                        "max_position_embeddings": CONTEXT_LENGTH, "eos_token_id": EOT, "bos_token_id": SOT},
        "vision_config": {"hidden_size": VISION_WIDTH, "intermediate_size": 4 * VISION_WIDTH, "num_hidden_layers": VISION_LAYERS,
                          "num_attention_heads": VISION_HEADS, "hidden_act": "quick_gelu", "image_size": IMAGE_SIZE, "patch_size": PATCH},
        "random_weights": {"seed": seed, "null_vision": isinstance(vision, NullVision),
                           "generator": "tests/Clip.Benchmarks/perf/make_vitb32_bundle.py"},
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


def check_graph_contract(out):
    """Input and output names and shapes as the tiny model's: a symbolic batch (and sequence), a fixed width."""
    expected = {
        "vision_model.onnx": (("pixel_values", ["batch", 3, IMAGE_SIZE, IMAGE_SIZE]), ("image_embeds", ["batch", EMBED_DIM])),
        "text_model.onnx": (("input_ids", ["batch", "sequence"]), ("text_embeds", ["batch", EMBED_DIM])),
    }
    for file, nodes in expected.items():
        graph = onnx.load(os.path.join(out, "onnx", file)).graph
        found = tuple((v.name, [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim])
                      for v in (*graph.input, *graph.output))
        assert found == nodes, f"{file}: {found}, expected {nodes}"


def check_sequence_axis(text, out, seed):
    """The end-of-text embedding must not depend on how far a batch is padded (20 vs 77 tokens)."""
    lengths = [20, 7, 2, 13]
    short = padded_ids(np.random.default_rng(seed + 1), lengths, 20)
    full = padded_ids(np.random.default_rng(seed + 1), lengths, CONTEXT_LENGTH)
    try:
        import onnxruntime
    except ImportError:
        with torch.no_grad():
            a, b = text(short).numpy(), text(full).numpy()
        runner = "torch (onnxruntime not installed)"
    else:
        session = onnxruntime.InferenceSession(os.path.join(out, "onnx", "text_model.onnx"), providers=["CPUExecutionProvider"])
        a, b = (session.run(["text_embeds"], {"input_ids": ids.numpy()})[0] for ids in (short, full))
        runner = f"onnxruntime {onnxruntime.__version__}"
    diff = float(np.abs(a - b).max())
    print(f"text_embeds padded to 20 vs 77 tokens ({runner}): max |difference| = {diff:.3g}")
    assert diff < 1e-4, diff


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", help="bundle folder (default: under $XDG_CACHE_HOME/clip-workers)")
    p.add_argument("--null-vision", action="store_true", help="a near-free image graph with the same contract")
    p.add_argument("--seed", type=int, default=20261201)
    a = p.parse_args()
    out = os.path.abspath(os.path.expanduser(a.out or default_out(a.null_vision)))

    torch.manual_seed(a.seed)
    # Both towers are always built in the same order, so the null-vision bundle's text graph has the same weights.
    vision = VisionTransformer().eval()
    text = TextTransformer().eval()
    if a.null_vision:
        vision = NullVision().eval()
    model_id = "clip-workers/vit-b-32-null-vision-v1" if a.null_vision else "clip-workers/vit-b-32-random-v1"
    export(vision, text, out, model_id, a.seed)
    check_graph_contract(out)
    check_sequence_axis(text, out, a.seed)
    sizes = {name: os.path.getsize(os.path.join(out, "onnx", name)) for name in ("vision_model.onnx", "text_model.onnx")}
    print(f"wrote {model_id} to {out}: " + ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
