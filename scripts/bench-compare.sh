#!/usr/bin/env bash
# Puts two commits' figures side by side, so a change can show it made
# nothing slower. Each commit is checked out in a temporary worktree under
# target/bench-compare/ and its bench built there, sharing the target
# directory (the binary is kept, the worktree removed). Then either the
# instruction counts (scripts/instructions.sh, the default: stable on a
# busy machine) or the wall-clock bench (`--wall`: only meaningful on a
# quiet machine; the two builds run alternately, twice each) are printed
# as `name  <a>  <b>  b/a` (with two runs, the lower value of each).
#
#   scripts/bench-compare.sh main HEAD
#   scripts/bench-compare.sh --wall main HEAD
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

mode=instructions
if [ "${1:-}" = "--wall" ]; then
    mode=wall
    shift
fi
[ $# -eq 2 ] || { echo "usage: scripts/bench-compare.sh [--wall] <commit-a> <commit-b>" >&2; exit 2; }

target="${CARGO_TARGET_DIR:-$root/target}"
out="$root/target/bench-compare"
mkdir -p "$out"

# Builds the bench of commit $1; prints the path of a copy of its binary.
build() {
    local sha dir bin
    sha=$(git rev-parse --short "$1^{commit}")
    dir="$out/src-$sha"
    [ -d "$dir" ] || git worktree add --detach "$dir" "$sha" >&2
    bin=$(cd "$dir" && CARGO_TARGET_DIR="$target" cargo bench --bench throughput --no-run 2>&1 |
        sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
    [ -n "$bin" ] || { echo "bench-compare: $1 did not build" >&2; exit 1; }
    cp "$bin" "$out/throughput-$sha"
    # The copy of the binary is all that is needed: leave no worktree behind.
    git worktree remove --force "$dir" >&2
    echo "$out/throughput-$sha"
}

a=$(build "$1")
b=$(build "$2")

if [ "$mode" = instructions ]; then
    THROUGHPUT_BIN="$a" scripts/instructions.sh >"$out/a.txt"
    THROUGHPUT_BIN="$b" scripts/instructions.sh >"$out/b.txt"
else
    : >"$out/a.txt"
    : >"$out/b.txt"
    for _ in 1 2; do
        "$a" --bench >>"$out/a.txt"
        "$b" --bench >>"$out/b.txt"
    done
fi

# name: value lines → one row per name (the median of repeated values).
awk -v A="$1" -v B="$2" '
    FNR == NR { a[$1] = a[$1] " " $2; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } next }
    { b[$1] = b[$1] " " $2 }
    function mid(s,   v, k, i, j, t) {
        k = split(s, v, " ")
        for (i = 2; i <= k; i++)
            for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
        return v[int((k + 1) / 2)]
    }
    BEGIN { printf "%-45s %14s %14s %8s\n", "figure", A, B, "b/a" }
    END {
        for (i = 0; i < n; i++) {
            name = order[i]; x = mid(a[name]); y = (name in b) ? mid(b[name]) : "";
            printf "%-45s %14s %14s %8s\n", substr(name, 1, length(name) - 1), x, y,
                (x != 0 && y != "") ? sprintf("%.3f", y / x) : "-"
        }
    }' "$out/a.txt" "$out/b.txt"
