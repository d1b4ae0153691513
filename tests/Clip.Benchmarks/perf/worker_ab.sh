#!/usr/bin/env bash
# The worker harness on an earlier commit and on the working tree, alternately, with the same flags: a
# before/after throughput ratio on a shared machine, where only side-by-side numbers mean anything.
#   tests/Clip.Benchmarks/perf/worker_ab.sh REV [ROUNDS] [-- harness flags]
# Defaults: 3 rounds of `worker --source folder --images 2000` with the null-vision bundle and the small photos
# (perf/make_vitb32_bundle.py --null-vision, perf/make_photos.py). Each round runs both sides, the order
# alternating, and prints the worker's rate and its rate per CPU second.
set -euo pipefail
cd "$(dirname "$0")/../../.."
rev=${1:?usage: worker_ab.sh REV [ROUNDS] [-- harness flags]}
shift
rounds=3
if [[ $# -gt 0 && $1 != -- ]]; then rounds=$1; shift; fi
[[ ${1:-} == -- ]] && shift
cache=${XDG_CACHE_HOME:-$HOME/.cache}/clip-workers
flags=("$@")
if ((${#flags[@]} == 0)); then
  flags=(--source folder --images 2000 --model "$cache/vit-b-32-null-vision" --photos "$cache/photos/small")
fi

before=$(mktemp -d /tmp/clip-worker-ab.XXXXXX)
trap 'git worktree remove --force "$before" >/dev/null 2>&1 || true' EXIT
git worktree add --detach -q "$before" "$rev"
echo "building $rev and the working tree (Release)"
dotnet build -c Release -v q "$before/tests/Clip.Benchmarks" >/dev/null
dotnet build -c Release -v q tests/Clip.Benchmarks >/dev/null

run() {
  (cd "$1" && dotnet tests/Clip.Benchmarks/bin/Release/net10.0/Clip.Benchmarks.dll worker "${flags[@]}" 2>&1) \
    | awk -F'|' '/^\| worker \|/ {rate=$3} /^\| worker per CPU second/ {cpu=$3} /INCOMPLETE/ {bad=1}
                 END {gsub(/ /,"",rate); gsub(/ /,"",cpu); printf "%s images/s, %s per CPU second%s\n", rate, cpu, bad ? " INCOMPLETE" : ""}'
}

for ((round = 1; round <= rounds; round++)); do
  order=(before after)
  ((round % 2 == 0)) && order=(after before)
  for side in "${order[@]}"; do
    dir=.
    [[ $side == before ]] && dir=$before
    echo "round $round $side ($([[ $side == before ]] && echo "$rev" || echo "working tree")): $(run "$dir")"
  done
done
