//! `subscription`: monthly billing driven by alarms, over a simulated year.
//!
//! Each customer's subscription is one Durable Object. It starts with a
//! short trial; when the trial ends its alarm fires and charges the first
//! month through a payment processor (another Durable Object, with the
//! ledger the test inspects), then sets the next alarm a month later.
//! Customers may cancel, which deletes the alarm. Swarm faults hit the
//! first charges (they fall in the fault window); the renewals then run on
//! simulated time for a year, in milliseconds of wall time.
//!
//! Every charge carries an idempotency key (customer and period), so when an
//! alarm is retried — its reply lost, its host crashed after the charge —
//! the processor does not charge twice. The properties, from the ledger:
//! - no customer is charged twice for one period;
//! - every bill due before the year ended (and before a cancellation) was
//!   charged, and nothing after an acknowledged cancellation was.
//!
//! ```text
//! cargo run --release --example subscription -- --seeds 2000
//! ```
//!
//! The object and its workload live in the `dosim-workloads` crate
//! (`workloads/src/subscription.rs`), shared with the sim tests.

use std::process::ExitCode;

use dosim_workloads::subscription::{runner, workload, Subscription};

fn main() -> ExitCode {
    dosim::cli_main(runner("subscription"), workload::<Subscription>)
}
