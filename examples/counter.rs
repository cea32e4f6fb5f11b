//! `counter`: the simplest Durable Object, under concurrent clients and
//! faults.
//!
//! Every client increments one shared counter, some one call at a time and
//! some with several calls in flight through one stub; under `--faults
//! swarm` (the default) hosts crash, links drop, storage fails. Each
//! increment writes the count and an op record in one batch. The properties:
//! - every acknowledged increment survives: acknowledged <= count <=
//!   attempted (a call that failed may or may not have run);
//! - no batch is ever half-applied: there is exactly one op record per
//!   count.
//!
//! ```text
//! cargo run --release --example counter -- run --seeds 1000 --jobs 2
//! cargo run --release --example counter -- replay 0x5eed1234 --faults none
//! ```
//!
//! The object and its workload live in the `dosim-workloads` crate
//! (`workloads/src/counter.rs`), shared with the sim tests.

use std::process::ExitCode;

use dosim::Runner;
use dosim_workloads::counter::{workload, Counter};

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("counter").seeds(1000), workload::<Counter>)
}
