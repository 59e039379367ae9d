#!/usr/bin/env bash
# make install into a temporary PREFIX, then build the C example against the installed header and library
# through pkg-config (as the README says), run it, and check the SONAME and that the installed library finds
# its HDF5 helper in PREFIX/libexec, and that PREFIX/bin/lrp-demonstrator runs on the installed library.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"
make -s -C "$root" install PREFIX="$prefix" > "$tmp/install.log"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs liblrp)
cc -std=c99 -Wall -Wextra -Werror "$root/examples/c/explain.c" -o "$tmp/explain" $flags -Wl,-rpath,"$prefix/lib" -lm
soname=$(readelf -d "$prefix/lib/liblrp.so.1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "liblrp.so.1" ] || { echo "install: SONAME is '$soname', expected liblrp.so.1"; exit 1; }
readelf -d "$tmp/explain" | grep -q 'NEEDED.*\[liblrp.so.1\]' || { echo "install: the example does not record liblrp.so.1"; exit 1; }
if ldd "$prefix/lib/liblrp.so.1" | grep -qi swift; then echo "install: the installed library needs Swift libraries"; exit 1; fi
(cd "$tmp" && ./explain "$root/models/xor.txt" "$root/models/xor-inputs.txt" --rule epsilon:0.01 --out "$tmp/r.npy" > "$tmp/explain.log")
cat > "$tmp/h5.c" <<'C'
#include <lrp.h>
#include <stdio.h>
int main(int argc, char **argv) {
    lrp_model *model = NULL;
    if (argc < 2 || lrp_model_read(argv[1], NULL, &model) != LRP_OK) { printf("%s\n", lrp_last_error()); return 1; }
    printf("%d layers\n", lrp_model_layer_count(model));
    lrp_model_free(model);
    return 0;
}
C
cc -std=c99 "$tmp/h5.c" -o "$tmp/h5" $flags -Wl,-rpath,"$prefix/lib"
layers=$("$tmp/h5" "$root/Tests/fixtures/keras/residual_graph.h5")
"$prefix/bin/lrp-demonstrator" --help | grep -q "CONFIGFILE FILELIST PREPENDPATH" || { echo "install: lrp-demonstrator does not run"; exit 1; }
ldd "$prefix/bin/lrp-demonstrator" | grep -q "$prefix/lib/liblrp.so.1" || { echo "install: lrp-demonstrator does not use the installed library"; exit 1; }
echo "install: pkg-config '$flags' builds the example; SONAME $soname; the installed library reads .h5 through $prefix/libexec/lrp-hdf5-reader ($layers)"
