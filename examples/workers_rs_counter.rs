//! `workers_rs_counter`: a counter written for workers-rs (the `worker`
//! crate), run unchanged under dosim through the mirror in
//! `compat/worker`, behind its Worker entry.
//!
//! The object (`compat/proof/src/counter.rs`) and the Worker
//! (`compat/proof/src/entry.rs`) name only `worker`; the same files
//! compile against Cloudflare's crate (`scripts/check-workers-rs.sh`).
//! Every client increments one counter through the Worker at once, under
//! swarm faults. The property: acknowledged <= count <= attempted.
//!
//! ```text
//! cargo run --release --example workers_rs_counter -- run --seeds 1000
//! ```

use std::process::ExitCode;

use dosim::Runner;
use dosim_worker_proof::counter::Counter;
use dosim_workloads::workers_rs::counting;

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("workers_rs_counter").seeds(1000), |sim| {
        counting::<Counter>(sim, "COUNTER", "counter")
    })
}
