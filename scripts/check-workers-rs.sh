#!/usr/bin/env bash
# Checks both sides of the workers-rs mirror that CI's `cargo test` does
# not: that the proof crate's objects (compat/proof) compile against the
# real `worker` crate from crates.io, as they do against dosim's mirror in
# `cargo test` (the same files, built without `--cfg madsim`, so that
# dosim-worker re-exports workers-rs instead of mirroring it; host target,
# no wasm toolchain needed for a check), and that the mirror's unmirrored
# items fail to compile with their message (its doctests). It downloads
# `worker` and its dependencies (wasm-bindgen, web-sys, …) and takes a few
# minutes on a cold target directory, so it is not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
# Its own target directory: the flags differ from the workspace's, and
# sharing one would rebuild everything both ways.
target="${CARGO_TARGET_DIR:-target}/workers-rs-check"
# A set RUSTFLAGS (even empty) replaces the config's `--cfg madsim`.
RUSTFLAGS="" RUSTDOCFLAGS="" CARGO_TARGET_DIR="$target" \
    cargo check -p dosim-worker-proof --all-targets "$@"
echo "compat/proof compiles against the real worker crate"
cargo test -p dosim-worker --doc
echo "the mirror's compile errors hold"
