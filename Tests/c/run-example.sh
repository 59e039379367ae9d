#!/usr/bin/env bash
# Runs the C example (examples/c/explain) as a user would and checks what it writes:
#  - on the project's XOR model for every rule (it must succeed and write a 4×2 relevance array);
#  - on the LeNet-5 golden batch of ../shared, where its relevance must equal the reference toolbox's
#    R_epsilon_1 and R_alphabeta_2 within 1e-9 (the example starts from R = Y masked to the top class,
#    which is the goldens' R_init).
set -euo pipefail
shared=${SHARED:-../shared}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for rule in simple epsilon:0.01 alphabeta:1 alphabeta:2 ww flat; do
    examples/c/explain models/xor.txt models/xor-inputs.txt --rule "$rule" --out "$tmp/xor.npy" >/dev/null
    python3 -c "import numpy as np, sys; a = np.load('$tmp/xor.npy'); assert a.shape == (4, 2) and np.isfinite(a).all(), a" 
done
echo "example: XOR model explained with 6 rules"

if [ ! -d "$shared/golden" ]; then
    if [ "${CI:-}" = "true" ]; then echo "example: $shared is missing under CI"; exit 1; fi
    echo "example: $shared is missing; the LeNet-5 comparison is skipped"
    exit 0
fi
for pair in "epsilon:1 R_epsilon_1" "alphabeta:2 R_alphabeta_2"; do
    set -- $pair
    examples/c/explain "$shared/models/LeNet-5.txt" "$shared/golden/lenet5.npz" --key X --rule "$1" --out "$tmp/lenet.npy" >"$tmp/log"
    python3 - "$tmp/lenet.npy" "$shared/golden/lenet5.npz" "$2" <<'PY'
import sys, numpy as np
ours, golden, key = np.load(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3]
ref = golden[key]
err = np.abs(ours - ref).max() / max(1e-12, np.abs(ref).max())
assert ours.shape == ref.shape and err <= 1e-9, (key, ours.shape, err)
print(f"example: LeNet-5 {key} from the C example matches the reference (relative error {err:.2e})")
PY
done
