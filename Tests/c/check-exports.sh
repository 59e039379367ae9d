#!/usr/bin/env bash
# Checks that liblrp.so exports exactly the functions declared in include/lrp.h, and nothing else.
#   check-exports.sh LIB HEADER
set -euo pipefail
lib=$1 header=$2
exported=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u)
declared=$(grep -oE '\blrp_[a-z0-9_]+[[:space:]]*\(' "$header" | tr -d '( \t' | sort -u)
status=0
extra=$(comm -23 <(echo "$exported") <(echo "$declared"))
missing=$(comm -13 <(echo "$exported") <(echo "$declared"))
if [ -n "$extra" ]; then echo "exported but not declared in $header:"; echo "$extra" | sed 's/^/  /'; status=1; fi
if [ -n "$missing" ]; then echo "declared in $header but not exported:"; echo "$missing" | sed 's/^/  /'; status=1; fi
[ $status -eq 0 ] && echo "exports: the $(echo "$declared" | wc -l) functions of $header, nothing else"
exit $status
