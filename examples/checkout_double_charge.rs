//! `checkout_double_charge`: the order's buggy twin, which dosim must
//! catch.
//!
//! It retries its charge under a fresh idempotency key per attempt. When
//! the service charged but its answer was lost (or timed out after the
//! handler ran), the retry charges the order again, and the property that
//! fails is "each order is paid at most once".
//!
//! ```text
//! cargo run --release --example checkout_double_charge -- run --seeds 500   # exits 1
//! ```
//!
//! The twin lives in the `dosim-workloads` crate
//! (`workloads/src/checkout_double_charge.rs`).

use std::process::ExitCode;

use dosim_workloads::checkout::{runner, workload};
use dosim_workloads::checkout_double_charge::DoubleChargeOrder;

fn main() -> ExitCode {
    dosim::cli::main(
        runner("checkout_double_charge"),
        workload::<DoubleChargeOrder>,
    )
}
