//! `offload`: an object that hands slow work to a queue, and a consumer
//! Worker that applies each job once however often the queue delivers it.
//!
//! Clients ask account objects for credits; an account queues each job
//! (a unique id and an amount) and answers at once. The consumer applies a
//! job through the account's `apply_once`, which writes the job's record
//! and the new balance in one batch and skips a job already recorded. Under
//! `--faults swarm` (the default) the queue delivers messages twice, its
//! consumer crashes mid-batch, sends fail, and hosts and links fail as
//! usual. The properties: every acknowledged job is applied, nothing
//! unrequested is, and no job is applied twice (each balance is the sum of
//! its recorded jobs).
//!
//! ```text
//! cargo run --release --example offload -- run --seeds 2000
//! cargo run --release --example offload -- replay 0x5eed1234
//! ```
//!
//! The objects, the consumer and the workload live in the
//! `dosim-workloads` crate (`workloads/src/offload.rs`).

use std::process::ExitCode;

use dosim_workloads::offload::{runner, workload, Applier};

fn main() -> ExitCode {
    dosim::cli_main(runner("offload"), workload::<Applier>)
}
