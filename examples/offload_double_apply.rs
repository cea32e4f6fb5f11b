//! `offload_double_apply`: the `offload` example's buggy twin, which dosim
//! must catch.
//!
//! Its consumer applies every job it receives, trusting the queue to
//! deliver each message once. Queues deliver at least once: a duplicate
//! delivery, or a batch retried after its consumer applied a job but
//! crashed before acknowledging it, credits the account twice. The
//! workload is `offload`'s own, so the property that fails is the same:
//! a balance must be the sum of the jobs it recorded.
//!
//! ```text
//! cargo run --release --example offload_double_apply -- run --seeds 500   # exits 1, prints replay: …
//! ```
//!
//! The twin lives in the `dosim-workloads` crate
//! (`workloads/src/offload_double_apply.rs`).

use std::process::ExitCode;

use dosim_workloads::offload::runner;
use dosim_workloads::offload_double_apply::workload;

fn main() -> ExitCode {
    dosim::cli_main(runner("offload_double_apply"), workload)
}
