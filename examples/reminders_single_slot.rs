//! `reminders_single_slot`: the reminders agent's buggy twin, which dosim
//! must catch.
//!
//! It keeps one pending reminder per user: adding a reminder cancels the
//! one before it. The workload is the original's, so the property that
//! fails is "every reminder due fired".
//!
//! ```text
//! cargo run --release --example reminders_single_slot -- run --seeds 500   # exits 1
//! ```

use std::process::ExitCode;

use dosim_workloads::reminders::{runner, workload};
use dosim_workloads::reminders_single_slot::SingleSlotReminders;

fn main() -> ExitCode {
    dosim::cli_main(
        runner("reminders_single_slot"),
        workload::<SingleSlotReminders>,
    )
}
