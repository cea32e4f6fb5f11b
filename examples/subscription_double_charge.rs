//! `subscription_double_charge`: the subscription's buggy twin, which dosim
//! must catch.
//!
//! Its alarm charges the customer without an idempotency key. When the
//! alarm is retried after the charge went through — the charge's reply was
//! lost, or the host crashed before the subscription recorded the payment —
//! the retry charges the same month again. The workload is the
//! subscription's own, so the property that fails is "no customer is
//! charged twice for one period".
//!
//! ```text
//! cargo run --release --example subscription_double_charge -- --seeds 200   # exits 1
//! ```
//!
//! The twin lives in the `dosim-workloads` crate
//! (`workloads/src/subscription_double_charge.rs`), beside the `subscription` it breaks.

use std::process::ExitCode;

use dosim_workloads::subscription::{runner, workload};
use dosim_workloads::subscription_double_charge::DoubleCharge;

fn main() -> ExitCode {
    dosim::cli_main(
        runner("subscription_double_charge"),
        workload::<DoubleCharge>,
    )
}
