//! `workspace_orphans`: the workspace's buggy twin. It registers a thread
//! and acknowledges the create whether or not the thread's init got
//! through, and has nothing to repair, so a crash or a lost message
//! leaves a registry entry for a thread that was never initialised.
//!
//! ```text
//! cargo run --release --example workspace_orphans -- run --seeds 500
//! ```

use std::process::ExitCode;

use dosim_workloads::workspace::runner;
use dosim_workloads::workspace_orphans::workload;

fn main() -> ExitCode {
    dosim::cli_main(runner("workspace_orphans"), workload)
}
