//! `js_workspace_orphans`: the TypeScript workspace's buggy twin
//! (`examples/js/workspace_orphans.ts`), which registers a thread and
//! acknowledges the create whatever became of the thread's init; a crash
//! or a lost message leaves a dangling entry. dosim must catch it.
//!
//! ```text
//! cargo run --release --features js --example js_workspace_orphans -- run --seeds 500   # exits 1
//! ```

use std::process::ExitCode;

use dosim_workloads::js_counter::runner;
use dosim_workloads::js_workspace::{workload, WORKSPACE_ORPHANS_TS};

fn main() -> ExitCode {
    dosim::cli_main(runner("js_workspace_orphans").seeds(500), |sim| {
        workload(sim, "workspace_orphans.ts", WORKSPACE_ORPHANS_TS)
    })
}
