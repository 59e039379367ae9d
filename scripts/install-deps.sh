#!/usr/bin/env bash
# Installs what building and testing liblrp needs, when it is missing:
#   Debian packages: libopenblas-dev (CBLAS), zlib1g-dev, pkg-config
#   Python packages (tests only, with --tests): numpy, scipy, pytest
# Safe to run repeatedly; it does nothing when everything is present.
set -euo pipefail

packages=(libopenblas-dev zlib1g-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--tests" ]; then
    if ! python3 -c "import numpy, scipy.io, pytest" 2>/dev/null; then
        echo "installing Python packages for the tests: numpy scipy pytest"
        python3 -m pip install --quiet numpy scipy pytest
    fi
fi
