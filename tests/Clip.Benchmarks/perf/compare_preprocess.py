#!/usr/bin/python3
"""Run the C# preprocessor and Pillow's pipeline side by side on the same files and print the ratios.

    /usr/bin/python3 tests/Clip.Benchmarks/perf/compare_preprocess.py [DIR...] [--rounds 3] [--seconds 4] [--no-build]

DIRs default to the photo set of make_photos.py (~/.cache/clip-workers/photos/{small,2.7mp,12mp}).
Builds tests/Clip.Benchmarks in Release, then for each round runs, one after the other and single
threaded: ours exact (`preprocess --jpeg exact`), Pillow exact, ours fast (`--jpeg fast`), Pillow
draft (pillow_preprocess.py), and libjpeg-turbo's decode alone at the draft scale (Pillow's `--mode
decode`). Rounds interleave the five so that a machine whose load changes affects them alike. Prints
per folder the median images/s and CPU ms per image of each, and the ratios the performance issue
states: ours exact / Pillow exact, ours fast / Pillow exact and ours fast / Pillow draft, from wall
time and from CPU time (the steadier of the two on a shared machine); then decode alone / Pillow
exact, the most any fast pipeline that decodes with libjpeg-turbo could reach against Pillow's exact
one (nothing left to do but the decode).
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
HARNESS = os.path.join(ROOT, "tests", "Clip.Benchmarks", "bin", "Release", "net10.0", "Clip.Benchmarks.dll")
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "clip-workers", "photos")


def parse(lines):
    """key=value lines from either harness, keyed by folder."""
    results = {}
    for line in lines.splitlines():
        if not line.startswith("dir="):
            continue
        fields = dict(part.split("=", 1) for part in line.split())
        results[fields["dir"]] = fields
    return results


def run(command):
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return parse(done.stdout)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dirs", nargs="*")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--no-build", action="store_true", help="use the Release build already there")
    a = p.parse_args()
    dirs = a.dirs or [os.path.join(CACHE, d) for d in ("small", "2.7mp", "12mp")]
    missing = [d for d in dirs if not os.path.isdir(d)]
    if missing:
        sys.exit(f"missing photo folders {missing}: run /usr/bin/python3 {HERE}/make_photos.py first")

    if not a.no_build:
        subprocess.run(["dotnet", "build", "-c", "Release", "-v", "q", "--nologo", "tests/Clip.Benchmarks"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    seconds = str(a.seconds)
    pipelines = {
        "ours exact": ["dotnet", HARNESS, "preprocess", *dirs, "--jpeg", "exact", "--seconds", seconds],
        "pillow exact": ["/usr/bin/python3", os.path.join(HERE, "pillow_preprocess.py"), *dirs, "--mode", "exact", "--seconds", seconds],
        "ours fast": ["dotnet", HARNESS, "preprocess", *dirs, "--jpeg", "fast", "--seconds", seconds],
        "pillow draft": ["/usr/bin/python3", os.path.join(HERE, "pillow_preprocess.py"), *dirs, "--mode", "draft", "--seconds", seconds],
        "decode only": ["/usr/bin/python3", os.path.join(HERE, "pillow_preprocess.py"), *dirs, "--mode", "decode", "--seconds", seconds],
    }
    samples = {name: {d: [] for d in dirs} for name in pipelines}
    for round_ in range(a.rounds):
        for name, command in pipelines.items():
            for d, fields in run(command).items():
                samples[name][d].append((float(fields["images_per_s"]), float(fields["cpu_ms_per_image"])))
        print(f"round {round_ + 1}/{a.rounds} done; load average {open('/proc/loadavg').read().split()[0]}", file=sys.stderr)

    def median(name, d, index):
        return statistics.median(s[index] for s in samples[name][d])

    print(f"{'folder':<8} {'pipeline':<13} {'images/s':>9} {'cpu ms/img':>11}")
    for d in dirs:
        for name in pipelines:
            print(f"{os.path.basename(d):<8} {name:<13} {median(name, d, 0):>9.1f} {median(name, d, 1):>11.2f}")
    print()
    print(f"{'folder':<8} {'ratio':<30} {'wall':>6} {'cpu':>6}")
    for d in dirs:
        for ours, theirs in (("ours exact", "pillow exact"), ("ours fast", "pillow exact"), ("ours fast", "pillow draft"),
                             ("decode only", "pillow exact")):
            wall = median(ours, d, 0) / median(theirs, d, 0)
            cpu = median(theirs, d, 1) / median(ours, d, 1)
            print(f"{os.path.basename(d):<8} {ours + ' / ' + theirs:<30} {wall:>5.2f}x {cpu:>5.2f}x")


if __name__ == "__main__":
    main()
