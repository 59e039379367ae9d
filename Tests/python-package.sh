#!/usr/bin/env bash
# Installs the Python package into a fresh virtual environment (pip install ./python builds liblrp.so with
# the Swift runtime linked in) and checks that `import lrp` works from another folder, uses the bundled
# library, computes, and that the library needs no Swift runtime.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv --system-site-packages "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet "$root/python"
cd "$tmp"
LRP_REPOSITORY="$root" "$tmp/venv/bin/python" - <<'PY'
import os, numpy as np, lrp, lrp.model_io
from lrp.modules import Sequential, Linear, Rect, SoftMax
assert lrp.library_path.startswith(os.path.dirname(lrp.__file__)), lrp.library_path
np.random.seed(0)
nn = Sequential([Linear(4, 3), Rect(), Linear(3, 2), SoftMax()])
Y = nn.forward(np.random.rand(5, 4))
R = nn.lrp(Y, 'epsilon', 0.01)
assert R.shape == (5, 4) and np.isfinite(R).all()
# Keras .h5 files are parsed by the helper bundled beside the library.
assert os.access(os.path.join(os.path.dirname(lrp.library_path), "lrp-hdf5-reader"), os.X_OK)
keras = lrp.model_io.read(os.path.join(os.environ["LRP_REPOSITORY"], "Tests/fixtures/keras/residual_graph.h5"))
assert len(keras.modules) > 0
print("package: import lrp from", os.getcwd(), "uses", lrp.library_path, "and reads .h5 through its helper")
PY
lib=$("$tmp/venv/bin/python" -c "import lrp; print(lrp.library_path)")
helper="$(dirname "$lib")/lrp-hdf5-reader"
for binary in "$lib" "$helper"; do
    if ldd "$binary" | grep -qi swift; then echo "package: $binary still needs Swift libraries:"; ldd "$binary" | grep -i swift; exit 1; fi
done
echo "package: the bundled liblrp.so needs no Swift runtime ($(ldd "$lib" | wc -l) libraries: $(ldd "$lib" | awk '{print $1}' | tr '\n' ' '))"
