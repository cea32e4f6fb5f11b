//! `js_workspace`: the workspace and its child threads written in
//! TypeScript (`examples/js/workspace.ts`), run unchanged under the Rust
//! workspace's own workload (see `examples/workspace.rs`).
//!
//! ```text
//! cargo run --release --features js --example js_workspace -- run --seeds 2000
//! ```

use std::process::ExitCode;

use dosim_workloads::js_counter::runner;
use dosim_workloads::js_workspace::{workload, WORKSPACE_TS};

fn main() -> ExitCode {
    dosim::cli_main(runner("js_workspace").seeds(500), |sim| {
        workload(sim, "workspace.ts", WORKSPACE_TS)
    })
}
