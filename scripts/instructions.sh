#!/usr/bin/env bash
# Instructions dosim executes per request and per seed, beside the bare
# madsim + rusqlite baseline, counted by valgrind's callgrind. Unlike wall
# time, an instruction count does not move with other work on the machine,
# so it can judge a change on a busy one.
#
# Each figure is a marginal cost: the bench's profiling mode
# (THROUGHPUT_PROFILE) runs a workload at two sizes and the script divides
# the difference in instructions by the difference in work, so set-up that
# every run pays once (process start, world building) does not count.
#
#   scripts/instructions.sh            # builds the bench, prints the figures
#   THROUGHPUT_BIN=path scripts/instructions.sh   # counts a given build
#   scripts/instructions.sh storage    # the storage figures instead
#   scripts/instructions.sh cache      # where the wall time goes beyond them
#
# Prints `name: value` lines on stdout:
#   counter_instructions_per_request, counter_baseline_instructions_per_request,
#   counter_instructions_ratio (the long counter scenario, 1 500 → 4 500
#   requests), counter_no_monitors_instructions_per_request and
#   monitor_instructions_ratio (the same scenario with the monitors off:
#   what they cost), and seed_instructions_100req,
#   seed_baseline_instructions_100req, seed_instructions_ratio_100req (the
#   100-request scenario, 10 → 30 seeds).
# With `storage`, it prints instead, per storage operation inside one
# object (benches/throughput/storage.rs, 5 000 → 15 000 operations):
#   kv_instructions_per_op, sql_insert_instructions_per_op,
#   sql_select_instructions_per_op, each with its `_baseline_` twin and a
#   `_ratio`.
# With `cache`, it prints, per seed of the 100-request scenario (10 → 30
# seeds), what valgrind's cachegrind simulates of this machine's caches and
# branch predictor: seed_i1_misses_100req (instruction-cache misses),
# seed_d1_misses_100req (data-cache misses, reads and writes) and
# seed_mispredicts_100req (conditional and indirect branches), each with
# its `_baseline_` twin and a `_ratio`. They explain a wall-time ratio
# above the instruction ratio: an instruction-cache miss or a mispredicted
# branch costs tens of cycles that no instruction count shows.
# With `parts`, it prints where a counter request's instructions go
# (the long scenario, marginal as above), one line per part of the
# program: dosim's layers, the standard-library code inlined into them,
# madsim's tasks and timers, the allocator, SQLite, serde... each as
# `<part>: dosim <n>, baseline <n>, more <n>`, the parts that add most
# first (needs callgrind_annotate, which comes with valgrind).
set -euo pipefail
group="${1:-counter}"
cd "$(dirname "$0")/.."

bench="${THROUGHPUT_BIN:-}"
if [ -z "$bench" ]; then
    bench=$(cargo bench --bench throughput --no-run 2>&1 |
        sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
    [ -n "$bench" ] || { echo "instructions: could not build the bench" >&2; exit 2; }
fi
command -v valgrind >/dev/null || { echo "instructions: valgrind is not installed" >&2; exit 2; }

# Instructions of one profiling run: count <workload> <size>.
count() {
    local out
    out=$(THROUGHPUT_PROFILE="$1" THROUGHPUT_PROFILE_N="$2" \
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" 2>&1) || {
        echo "$out" >&2
        echo "instructions: the $1 run with $2 failed" >&2
        exit 1
    }
    echo "$out" | sed -n 's/.*Collected : \([0-9]*\).*/\1/p' | tail -1
}

# marginal <workload> <small> <large> <units per size step>
marginal() {
    local a b
    a=$(count "$1" "$2")
    b=$(count "$1" "$3")
    awk -v a="$a" -v b="$b" -v d="$4" 'BEGIN { printf "%.0f", (b - a) / d }'
}

# ratio <name> <dosim workload> <baseline workload> <small> <large> <units>
ratio() {
    local dosim base
    dosim=$(marginal "$2" "$4" "$5" "$6")
    base=$(marginal "$3" "$4" "$5" "$6")
    echo "${1}_instructions_per_op: $dosim"
    echo "${1}_baseline_instructions_per_op: $base"
    awk -v a="$dosim" -v b="$base" -v n="$1" 'BEGIN { printf "%s_instructions_ratio: %.3f\n", n, a / b }'
}

if [ "$group" = storage ]; then
    for w in kv sql-insert sql-select; do
        ratio "$(echo "$w" | tr - _)" "$w" "$w-baseline" 5000 15000 10000
    done
    exit 0
fi
if [ "$group" = cache ]; then
    # simulate <workload> <size>: cachegrind's summary of one run.
    simulate() {
        local out
        out=$(THROUGHPUT_PROFILE="$1" THROUGHPUT_PROFILE_N="$2" \
            valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes \
            --cachegrind-out-file=/dev/null "$bench" 2>&1) || {
            echo "$out" >&2
            echo "instructions: the $1 run with $2 failed" >&2
            exit 1
        }
        echo "$out"
    }
    # total <summary> <line>: the count on one line of a summary.
    total() {
        echo "$1" | sed -n "s/^==[0-9]*== $2: *\([0-9,]*\).*/\1/p" | tr -d , | tail -1
    }
    dosim_small=$(simulate seeds 10)
    dosim_large=$(simulate seeds 30)
    base_small=$(simulate seeds-baseline 10)
    base_large=$(simulate seeds-baseline 30)
    # per_seed <name> <line>: dosim, the baseline and their ratio.
    per_seed() {
        local dosim base
        dosim=$(awk -v a="$(total "$dosim_small" "$2")" -v b="$(total "$dosim_large" "$2")" \
            'BEGIN { printf "%.0f", (b - a) / 20 }')
        base=$(awk -v a="$(total "$base_small" "$2")" -v b="$(total "$base_large" "$2")" \
            'BEGIN { printf "%.0f", (b - a) / 20 }')
        echo "seed_${1}_100req: $dosim"
        echo "seed_baseline_${1}_100req: $base"
        awk -v a="$dosim" -v b="$base" -v n="$1" 'BEGIN { printf "seed_%s_ratio_100req: %.3f\n", n, a / b }'
    }
    per_seed i1_misses "I1  misses"
    per_seed d1_misses "D1  misses"
    per_seed mispredicts "Mispredicts"
    exit 0
fi
if [ "$group" = parts ]; then
    command -v callgrind_annotate >/dev/null ||
        { echo "instructions: callgrind_annotate is not installed" >&2; exit 2; }
    dir=$(mktemp -d)
    trap 'rm -rf "$dir"' EXIT
    # profile <workload> <size>: each function's own instructions.
    profile() {
        THROUGHPUT_PROFILE="$1" THROUGHPUT_PROFILE_N="$2" valgrind --tool=callgrind \
            --callgrind-out-file="$dir/out" "$bench" >"$dir/log" 2>&1 || {
            cat "$dir/log" >&2
            echo "instructions: the $1 run with $2 failed" >&2
            exit 1
        }
        callgrind_annotate --inclusive=no --auto=no --threshold=100 "$dir/out" >"$dir/$1.$2"
    }
    for w in long long-baseline; do
        profile "$w" 500
        profile "$w" 1500
    done
    # Files in order: dosim small, large, baseline small, large. A line is
    # "<count> (<share>) <file>:<function> [<object>]".
    awk -v root="$PWD" '
        function part(loc, fn) {
            fn = loc; sub(/^[^:]*:/, "", fn)
            if (loc ~ /sqlite3\.c:/) return "SQLite"
            if (loc ~ /malloc\.c:|arena\.c:/) return "allocator"
            if (loc ~ /multiarch/) return "memory copies and compares"
            if (loc ~ /rusqlite/) return "rusqlite"
            if (loc ~ /madsim|naive-timer|async-task/) return "madsim tasks and timers"
            if (loc ~ /serde/) return "serde"
            if (loc ~ /^\/rustc\//) {
                if (fn ~ /dosim/) return "std inlined into dosim"
                if (fn ~ /madsim|naive_timer|async_task/) return "madsim tasks and timers"
                return "std"
            }
            # The files of this repository, as callgrind_annotate names them:
            # relative to the directory it runs in, or absolute.
            if (index(loc, root "/") == 1) loc = substr(loc, length(root) + 2)
            if (match(loc, /^src\/[a-z_]+\//)) return "dosim " substr(loc, 5, RLENGTH - 5)
            if (loc ~ /^workloads\//) return "the workload"
            if (loc ~ /^benches\//) return "the bench loop"
            return "other"
        }
        FNR == 1 { file++ }
        /^ *[0-9,]+ +\( *[0-9.]+%\) / && !/PROGRAM TOTALS/ {
            n = $1; gsub(",", "", n)
            loc = $0; sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "", loc); sub(/ \[.*\]$/, "", loc)
            p = part(loc); parts[p] = 1
            sign = (file % 2 == 0) ? 1 : -1
            if (file <= 2) dosim[p] += sign * n / 3000; else base[p] += sign * n / 3000
        }
        END {
            for (p in parts) {
                if (dosim[p] * dosim[p] < 0.25 && base[p] * base[p] < 0.25) continue
                printf "%.0f\t%s: dosim %.0f, baseline %.0f, more %.0f\n", dosim[p] - base[p], p, dosim[p], base[p], dosim[p] - base[p]
            }
        }
    ' "$dir/long.500" "$dir/long.1500" "$dir/long-baseline.500" "$dir/long-baseline.1500" |
        sort -rn | cut -f2-
    exit 0
fi
[ "$group" = counter ] || { echo "instructions: unknown group $group (counter, storage, cache or parts)" >&2; exit 2; }

# The long scenario has 3 clients: 500 → 1 500 increments each.
dosim=$(marginal long 500 1500 3000)
base=$(marginal long-baseline 500 1500 3000)
echo "counter_instructions_per_request: $dosim"
echo "counter_baseline_instructions_per_request: $base"
awk -v a="$dosim" -v b="$base" 'BEGIN { printf "counter_instructions_ratio: %.3f\n", a / b }'

bare=$(marginal long-no-monitors 500 1500 3000)
echo "counter_no_monitors_instructions_per_request: $bare"
awk -v a="$dosim" -v b="$bare" 'BEGIN { printf "monitor_instructions_ratio: %.3f\n", a / b }'

dosim=$(marginal seeds 10 30 20)
base=$(marginal seeds-baseline 10 30 20)
echo "seed_instructions_100req: $dosim"
echo "seed_baseline_instructions_100req: $base"
awk -v a="$dosim" -v b="$base" 'BEGIN { printf "seed_instructions_ratio_100req: %.3f\n", a / b }'
