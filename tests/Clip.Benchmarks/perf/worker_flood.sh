#!/usr/bin/env bash
# Peak memory of the worker under a flood of large photos, at its default settings.
#
#   tests/Clip.Benchmarks/perf/worker_flood.sh [MODEL_DIR] [PHOTO_DIR] [N] [exact|fast]
#
# Defaults: the ViT-B/32-size random bundle (make_vitb32_bundle.py), the 12 MP photos (make_photos.py),
# 96 images, the worker's own JpegDecode default. Builds the worker in Release, starts it in folder mode
# on a fresh temporary inbox and SQLite file, reads its resident memory once it is ready (idle: model
# loaded), drops N distinct copies of the photos into the inbox at once (each with its index appended
# after the image data), waits until every one is labelled or failed, and prints the seconds, idle RSS
# and peak RSS (VmHWM). Needs curl and sqlite3 (Debian packages of those names).
set -euo pipefail
cd "$(dirname "$0")/../../.."
cache=${XDG_CACHE_HOME:-$HOME/.cache}/clip-workers
model=${1:-$cache/vit-b-32-random}
photos=${2:-$cache/photos/12mp}
count=${3:-96}
mode=${4:-}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build -c Release -v q --nologo src/Clip.Worker >/dev/null
mkdir -p "$work/inbox" "$work/staged"
mapfile -t files < <(find "$photos" -maxdepth 1 -type f \( -name '*.jpg' -o -name '*.png' \) | sort)
for ((i = 0; i < count; i++)); do
  src=${files[i % ${#files[@]}]}
  { cat "$src"; printf '%08d' "$i"; } > "$work/staged/$(printf '%05d' "$i").${src##*.}"
done

port=18080
env Clip__Inference__ModelPath="$model" Clip__Folder__Path="$work/inbox" Clip__Folder__SettleTime=00:00:00.100 \
  Clip__Folder__PollInterval=00:00:00.200 Clip__Database__ConnectionString="Data Source=$work/clip.db" \
  Urls=http://127.0.0.1:$port Logging__LogLevel__Default=Warning ${mode:+Clip__Images__JpegDecode=$mode} \
  dotnet src/Clip.Worker/bin/Release/net10.0/Clip.Worker.dll > "$work/worker.log" 2>&1 &
pid=$!
until curl -sf http://127.0.0.1:$port/healthz/ready >/dev/null; do
  kill -0 $pid 2>/dev/null || { cat "$work/worker.log"; exit 1; }
  sleep 0.5
done

idle=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
start=$(date +%s.%N)
mv "$work/staged/"* "$work/inbox/"
until [[ $(sqlite3 "$work/clip.db" "select (select count(*) from images) + (select count(*) from failures)" 2>/dev/null || echo 0) -ge $count ]]; do
  kill -0 $pid 2>/dev/null || { cat "$work/worker.log"; exit 1; }
  sleep 0.5
done
end=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
failed=$(sqlite3 "$work/clip.db" "select count(*) from failures")
echo "model=$(basename "$model") photos=$(basename "$photos") jpeg=${mode:-default} images=$count failed=$failed" \
  "seconds=$(echo "$end - $start" | bc) idle_rss_mb=$((idle / 1024)) peak_rss_mb=$((peak / 1024))"
