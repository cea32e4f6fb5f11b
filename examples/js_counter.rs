//! `js_counter`: the counter written in TypeScript (`examples/js/counter.ts`),
//! run unchanged by dosim's JavaScript host, under the Rust counter's own
//! workload, faults and properties (see `examples/counter.rs`).
//!
//! ```text
//! cargo run --release --features js --example js_counter -- run --seeds 2000
//! ```

use std::process::ExitCode;

use dosim_workloads::js_counter::{runner, workload, COUNTER_TS};

fn main() -> ExitCode {
    dosim::cli_main(runner("js_counter").seeds(1000), |sim| {
        workload(sim, "counter.ts", COUNTER_TS)
    })
}
