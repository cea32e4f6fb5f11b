//! `workers_rs_counter_racy`: the workers-rs counter's buggy twin, which
//! dosim must catch.
//!
//! Between reading the count and writing `count + 1` it awaits a
//! `worker::Delay`, which lets another request in to read the same count:
//! an increment is lost, and the count falls below the acknowledged
//! increments.
//!
//! ```text
//! cargo run --release --example workers_rs_counter_racy -- --seeds 100   # exits 1, prints replay: …
//! ```

use std::process::ExitCode;

use dosim::Runner;
use dosim_worker_proof::counter::CounterRacy;
use dosim_workloads::workers_rs::counting;

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("workers_rs_counter_racy").seeds(100), |sim| {
        counting::<CounterRacy>(sim, "COUNTER", "counter")
    })
}
