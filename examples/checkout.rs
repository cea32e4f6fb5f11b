//! `checkout`: an order object pays through an external `payments`
//! service, which the test defines, under swarm faults — the service's own
//! included: refused connections, timeouts, 5xx answers, slowness, and
//! answers lost after the charge went through.
//!
//! The order retries until a charge is confirmed, under one idempotency key
//! per order, and the service answers a repeated key with the first charge.
//! The properties: no order is charged twice or for more than its amount,
//! and every acknowledged order was charged.
//!
//! ```text
//! cargo run --release --example checkout -- run --seeds 2000
//! cargo run --release --example checkout -- replay 0x5eed1234
//! ```
//!
//! The order and its workload live in the `dosim-workloads` crate
//! (`workloads/src/checkout.rs`).

use std::process::ExitCode;

use dosim_workloads::checkout::{runner, workload, Order};

fn main() -> ExitCode {
    dosim::cli::main(runner("checkout"), workload::<Order>)
}
