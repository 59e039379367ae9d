#!/usr/bin/env bash
# Installs what building and testing liblrp needs, when it is missing:
#   Debian packages: libopenblas-dev (CBLAS), libdnnl-dev (oneDNN: float32 convolutions), zlib1g-dev,
#   libhdf5-dev (Keras .h5 files), pkg-config, libmagick++-dev (lrp-demonstrator's images: ImageMagick)
#   Python packages: with --demo numpy, scikit-learn (the digits), matplotlib (plots of the analyses), tqdm
#   (progress of pattern fitting) and the designer's Flask, waitress (its web server) and Pillow (image files);
#   with --tests also scipy, pytest and selenium, and Debian's chromium and chromium-driver (the designer's
#   browser tests)
# Safe to run repeatedly; it does nothing when everything is present.
set -euo pipefail

packages=(libopenblas-dev libdnnl-dev zlib1g-dev libhdf5-dev pkg-config libmagick++-dev)
[ "${1:-}" = "--tests" ] && packages+=(chromium chromium-driver)
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

python_packages() {  # $1: imports to try, $2...: packages to install when they fail
    local imports=$1
    shift
    if ! python3 -c "import $imports" 2>/dev/null; then
        echo "installing Python packages: $*"
        # Root installs (containers, CI) would print pip's "Running pip as the 'root' user" warning on every run;
        # PIP_ROOT_USER_ACTION is --root-user-action=ignore for pip >= 22.1 and ignored by older pips, which
        # would refuse the option.
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check "$@"
    fi
}

case "${1:-}" in
    --demo) python_packages "numpy, sklearn, matplotlib, tqdm, flask, waitress, PIL" numpy scikit-learn matplotlib tqdm \
        flask waitress pillow ;;
    --tests) python_packages "numpy, scipy.io, pytest, sklearn, matplotlib, tqdm, flask, waitress, PIL, selenium" numpy scipy \
        pytest scikit-learn matplotlib tqdm flask waitress pillow selenium ;;
esac
