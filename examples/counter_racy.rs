//! `counter_racy`: the counter's buggy twin, which dosim must catch.
//!
//! Its increment reads the count, then awaits something outside the object
//! — here a timer standing in for a call to another service — and only then
//! writes `count + 1`. That await opens the input gate, another increment
//! slips in between the read and the write, and one update is lost. The
//! workload is the counter's own, so the property that fails is the same:
//! the count must equal the acknowledged increments.
//!
//! ```text
//! cargo run --release --example counter_racy -- --seeds 100   # exits 1, prints replay: …
//! cargo run --release --example counter_racy -- save <seed>    # into corpus/counter_racy/
//! ```
//!
//! The twin lives in the `dosim-workloads` crate
//! (`workloads/src/counter_racy.rs`), beside the `counter` it breaks.

use std::process::ExitCode;

use dosim::Runner;
use dosim_workloads::counter_racy::workload;

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("counter_racy").seeds(100), workload)
}
