//! The prelude every isolate runs before the user's module: deterministic
//! globals, timers, HTTP and socket classes, and what `cloudflare:workers`
//! exports.
//!
//! Parsing these scripts was about two thirds of a short TypeScript seed,
//! since every activation builds a new isolate. So the first isolate of
//! the process compiles them (see [`super::bytecode`]) and every isolate
//! runs the same bytecode.

use std::sync::OnceLock;

use rquickjs::Ctx;

use super::bytecode;
use crate::runtime::{Error, Result};

/// The prelude, in the order it runs: each part uses the ones before.
const SCRIPTS: [(&str, &str); 6] = [
    ("dosim:clone", include_str!("clone.js")),
    ("dosim:globals", include_str!("globals.js")),
    ("dosim:http", include_str!("http.js")),
    ("dosim:sockets", include_str!("sockets.js")),
    ("dosim:platform", include_str!("platform.js")),
    ("dosim:workers", include_str!("workers.js")),
];

/// Each script's bytecode, in [`SCRIPTS`] order, or why one did not
/// compile (a bug in dosim, not in the user's code).
static COMPILED: OnceLock<std::result::Result<Vec<Vec<u8>>, String>> = OnceLock::new();

/// Runs the prelude in `ctx`, whose bindings are installed.
pub(crate) fn run(ctx: &Ctx<'_>) -> Result<()> {
    let compiled = COMPILED
        .get_or_init(|| {
            SCRIPTS
                .iter()
                .map(|(name, source)| {
                    bytecode::compile_script(name, source)
                        .map_err(|e| format!("the prelude script {name} does not compile: {e}"))
                })
                .collect()
        })
        .as_ref()
        .map_err(|e| Error::new(e.clone()))?;
    for ((name, _), bytes) in SCRIPTS.iter().zip(compiled) {
        bytecode::run_script(ctx, bytes).map_err(|e| match e {
            rquickjs::Error::Exception => super::isolate::thrown(ctx.catch()),
            other => Error::new(format!("QuickJS: the prelude script {name}: {other}")),
        })?;
    }
    Ok(())
}
