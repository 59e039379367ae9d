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
"$tmp/venv/bin/python" - <<'PY'
import os, numpy as np, lrp
from lrp.modules import Sequential, Linear, Rect, SoftMax
assert lrp.library_path.startswith(os.path.dirname(lrp.__file__)), lrp.library_path
np.random.seed(0)
nn = Sequential([Linear(4, 3), Rect(), Linear(3, 2), SoftMax()])
Y = nn.forward(np.random.rand(5, 4))
R = nn.lrp(Y, 'epsilon', 0.01)
assert R.shape == (5, 4) and np.isfinite(R).all()
print("package: import lrp from", os.getcwd(), "uses", lrp.library_path)
PY
lib=$("$tmp/venv/bin/python" -c "import lrp; print(lrp.library_path)")
if ldd "$lib" | grep -qi swift; then echo "package: $lib still needs Swift libraries:"; ldd "$lib" | grep -i swift; exit 1; fi
echo "package: the bundled liblrp.so needs no Swift runtime ($(ldd "$lib" | wc -l) libraries: $(ldd "$lib" | awk '{print $1}' | tr '\n' ' '))"
