//! `js_counter_racy`: the TypeScript counter's buggy twin
//! (`examples/js/counter_racy.ts`), which reads the count, awaits a timer
//! standing in for a fetch, then writes: another increment slips in at the
//! await and an update is lost. dosim must catch it.
//!
//! ```text
//! cargo run --release --features js --example js_counter_racy -- run --seeds 500   # exits 1
//! ```

use std::process::ExitCode;

use dosim_workloads::js_counter::{runner, workload, COUNTER_RACY_TS};

fn main() -> ExitCode {
    dosim::cli_main(runner("js_counter_racy").seeds(100), |sim| {
        workload(sim, "counter_racy.ts", COUNTER_RACY_TS)
    })
}
