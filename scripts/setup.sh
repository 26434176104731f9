#!/usr/bin/env bash
# Installs the Debian packages dynlib needs, once. Idempotent: does nothing when all are present.
set -euo pipefail
packages=(g++ clang cmake make ninja-build libfmt-dev libtomlplusplus-dev libcli11-dev libssl-dev
          googletest libgtest-dev libbenchmark-dev libclang-rt-14-dev clang-format clang-tidy
          pybind11-dev python3-numpy python3-dev python3-pytest python3-matplotlib python3-pandas
          libsundials-dev libeigen3-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
