//! `workspace`: a parent object and its children, created and deleted
//! across two objects so that no crash leaves an orphan or a dangling
//! entry.
//!
//! A workspace keeps a registry of threads in SQL; each thread is its own
//! object and stores who it is when initialised. Clients create threads,
//! post to them, list them and delete some, under swarm faults. A create
//! writes a `pending` row, inits the thread, then marks the row `active`;
//! repair completes what a failure left half done. The properties, after
//! the world heals: every registered thread exists and knows its parent,
//! every acknowledged, undeleted thread is registered, and every
//! acknowledged delete is done.
//!
//! ```text
//! cargo run --release --example workspace -- run --seeds 2000
//! ```
//!
//! The objects and the workload live in the `dosim-workloads` crate
//! (`workloads/src/workspace.rs`); the twin is `workspace_orphans`.

use std::process::ExitCode;

use dosim_workloads::workspace::{runner, workload, Workspace};

fn main() -> ExitCode {
    dosim::cli_main(runner("workspace"), workload::<Workspace>)
}
