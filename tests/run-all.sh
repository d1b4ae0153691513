#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with the .NET 10 SDK: installs the
# Debian packages the tests need (when missing), then runs every test project.
# Extra arguments go to `dotnet test` (e.g. --filter Tokenization).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  libturbojpeg0   # libjpeg-turbo, the JPEG decoder PIL uses: exact parity with torchvision's preprocessing
  postgresql      # server binaries (initdb, pg_ctl) for the throwaway PostgreSQL the persistence tests start
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

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet test Clip.Workers.sln "$@"
