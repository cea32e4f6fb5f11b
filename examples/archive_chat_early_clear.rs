//! `archive_chat_early_clear`: the archiving room's buggy twin, which dosim
//! must catch.
//!
//! It deletes a batch from SQL before the bucket confirmed the put that
//! archives it. When that put fails (a bucket error, a lost link, a crash
//! before it leaves), the batch is gone from both places, and the
//! workload's property fails: acknowledged messages are lost.
//!
//! ```text
//! cargo run --release --example archive_chat_early_clear -- run --seeds 500   # exits 1
//! cargo run --release --example archive_chat_early_clear -- replay <seed>
//! ```

use std::process::ExitCode;

use dosim::Runner;
use dosim_workloads::archive_chat_early_clear::workload;

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("archive_chat_early_clear").seeds(500), workload)
}
