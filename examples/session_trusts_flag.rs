//! `session_trusts_flag`: the session's buggy twin, which dosim must catch.
//!
//! Told that the admin flipped the user's `beta` flag, it reads the flag
//! back from the KV namespace the admin just wrote — at another location,
//! where a cached copy may still say "off" for up to the staleness bound —
//! and acts on what it read. The session workload's property
//! `actions_after_flip_see_it` fails. The rest, archiving old activity to
//! the bucket included, is the session's own.
//!
//! ```text
//! cargo run --release --example session_trusts_flag -- run --seeds 500   # exits 1
//! ```
//!
//! The twin lives in the `dosim-workloads` crate
//! (`workloads/src/session_trusts_flag.rs`), beside the `session` it breaks.

use std::process::ExitCode;

use dosim::Runner;
use dosim_workloads::session_trusts_flag::workload;

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("session_trusts_flag").seeds(500), workload)
}
