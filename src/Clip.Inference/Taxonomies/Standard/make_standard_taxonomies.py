#!/usr/bin/python3
"""Writes the standard taxonomies that ship with Clip.Inference (stdlib only).

Sources: the class names and prompt templates the CLIP paper used (clip/prompts.md, one
"## Dataset" section per dataset with python lists in a code block) and the ImageNet prompts
from OpenAI's prompt-engineering notebook (clip/imagenet_prompts.json); plus three small
taxonomies over the synthetic world of the bundled tiny model (tests/TinyClip/synthetic_world.py).

Usage: /usr/bin/python3 make_standard_taxonomies.py [--shared /work/shared] [--out DIR]
Run it again whenever a source changes and commit the JSON files it writes.
"""

import argparse
import ast
import json
import os
import re
import sys
import unicodedata

# File names for the datasets in prompts.md; a section missing here is reported, not guessed.
DATASET_NAMES = {
    "Birdsnap": "birdsnap",
    "CIFAR10": "cifar10",
    "CIFAR100": "cifar100",
    "CLEVRCounts": "clevr-counts",
    "Caltech101": "caltech101",
    "Country211": "country211",
    "DescribableTextures": "describable-textures",
    "EuroSAT": "eurosat",
    "FGVCAircraft": "fgvc-aircraft",
    "FacialEmotionRecognition2013": "fer2013",
    "Flowers102": "flowers102",
    "Food101": "food101",
    "GTSRB": "gtsrb",
    "HatefulMemes": "hateful-memes",
    "KITTI": "kitti",
    "Kinetics700": "kinetics700",
    "MNIST": "mnist",
    "OxfordPets": "oxford-pets",
    "PascalVOC2007": "pascal-voc2007",
    "PatchCamelyon": "patch-camelyon",
    "RESISC45": "resisc45",
    "SST2": "sst2",
    "STL10": "stl10",
    "SUN397": "sun397",
    "StanfordCars": "stanford-cars",
    "UCF101": "ucf101",
}

PROMPTS_SOURCE = "openai/CLIP data/prompts.md (Radford et al., 2021, Table 9 datasets)"

# The paper reports top-5 for ImageNet; the standard taxonomies label without abstaining.
STANDARD_DECISION = {"mode": "single_label", "top_k": 5, "abstain_below_probability": 0.0, "abstain_below_margin": 0.0}

TINY_SHAPES = ["circle", "square", "triangle", "star", "cross", "heart"]
TINY_COLOURS = ["red", "green", "blue", "yellow", "orange", "purple", "white", "black"]
TINY_TEMPLATES = ["a photo of a {}.", "a drawing of a {}.", "a {}."]
TINY_SOURCE = "the synthetic world of the bundled tiny CLIP (tests/TinyClip/synthetic_world.py)"
TINY_DECISION = {"mode": "single_label", "top_k": 3, "abstain_below_probability": 0.0, "abstain_below_margin": 0.0}


def slug(text):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "class"


def make_classes(class_entries):
    """Class entries are a name or a list of synonyms; ids are unique slugs of the first name."""
    classes = []
    used = set()
    for entry in class_entries:
        names = [entry] if isinstance(entry, str) else list(entry)
        if not names or not all(isinstance(n, str) and n.strip() for n in names):
            raise ValueError(f"bad class entry {entry!r}")
        base = slug(names[0])
        class_id, n = base, 2
        while class_id in used:
            class_id, n = f"{base}-{n}", n + 1
        used.add(class_id)
        item = {"id": class_id}
        if names[0] != class_id:
            item["display_name"] = names[0]
        item["names"] = names
        classes.append(item)
    return classes


def taxonomy(name, description, templates, class_entries, decision):
    for t in templates:
        if t.count("{}") != 1:
            raise ValueError(f"{name}: template {t!r} must hold exactly one {{}}")
    return {
        "name": name,
        "description": description,
        "templates": list(templates),
        "classes": make_classes(class_entries),
        "decision": dict(decision),
    }


def read_prompt_sections(path):
    """Yields (section title, classes, templates) for each dataset section of prompts.md."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for match in re.finditer(r"^## (.+?)\n+```\w*\n(.*?)^```", text, re.S | re.M):
        title, body = match.group(1).strip(), match.group(2)
        lists = {}
        for assignment in re.finditer(r"^(\w+) = (\[.*?^\])", body, re.S | re.M):
            lists[assignment.group(1)] = ast.literal_eval(assignment.group(2))
        yield title, lists.get("classes"), lists.get("templates")


def build(shared):
    taxonomies = {}
    skipped = []
    for title, classes, templates in read_prompt_sections(os.path.join(shared, "clip", "prompts.md")):
        name = DATASET_NAMES.get(title)
        if name is None:
            skipped.append(f"{title}: no file name assigned")
            continue
        if not classes or not templates:
            skipped.append(f"{title}: no class or template list")
            continue
        synonyms = any(not isinstance(c, str) for c in classes)
        description = f"{title} classes and prompt templates used for zero-shot evaluation in the CLIP paper. Source: {PROMPTS_SOURCE}."
        if synonyms:
            description += " Some classes have several names, as in the paper."
        taxonomies[name] = taxonomy(name, description, templates, classes, STANDARD_DECISION)

    with open(os.path.join(shared, "clip", "imagenet_prompts.json"), encoding="utf-8") as f:
        imagenet = json.load(f)
    if len(imagenet["classes"]) != 1000 or len(imagenet["templates"]) != 80:
        raise ValueError("imagenet_prompts.json: expected 1000 classes and 80 templates")
    best7 = imagenet["best7_templates_in_selection_order"]
    if len(best7) != 7 or not set(best7) <= set(imagenet["templates"]):
        raise ValueError("imagenet_prompts.json: the 7 best templates must come from the 80")
    source = imagenet["source"]
    taxonomies["imagenet"] = taxonomy(
        "imagenet",
        f"ImageNet-1k with the 80 prompt templates of the CLIP paper. Source: {source}.",
        imagenet["templates"], imagenet["classes"], STANDARD_DECISION)
    taxonomies["imagenet-7"] = taxonomy(
        "imagenet-7",
        f"ImageNet-1k with the 7 templates chosen by greedy selection in the CLIP notebook. Source: {source}.",
        best7, imagenet["classes"], STANDARD_DECISION)

    taxonomies["tiny-shapes"] = taxonomy(
        "tiny-shapes", f"The six shapes of {TINY_SOURCE}.", TINY_TEMPLATES, TINY_SHAPES, TINY_DECISION)
    taxonomies["tiny-colours"] = taxonomy(
        "tiny-colours", f"The eight colours of {TINY_SOURCE}.", TINY_TEMPLATES,
        [f"{c} shape" for c in TINY_COLOURS], TINY_DECISION)
    taxonomies["tiny-colour-shapes"] = taxonomy(
        "tiny-colour-shapes", f"Every colour and shape pair (48) of {TINY_SOURCE}.", TINY_TEMPLATES,
        [f"{c} {s}" for c in TINY_COLOURS for s in TINY_SHAPES], TINY_DECISION)
    return taxonomies, skipped


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default="/work/shared", help="folder holding clip/prompts.md and clip/imagenet_prompts.json")
    parser.add_argument("--out", default=here, help="folder the JSON files are written to")
    args = parser.parse_args()

    taxonomies, skipped = build(args.shared)
    for name, content in sorted(taxonomies.items()):
        path = os.path.join(args.out, name + ".json")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            json.dump(content, f, ensure_ascii=False, indent=2)
            f.write("\n")
        print(f"{path}: {len(content['classes'])} classes, {len(content['templates'])} templates")
    for reason in skipped:
        print(f"skipped {reason}", file=sys.stderr)


if __name__ == "__main__":
    main()
