//! `session`: one user's session object, on every storage layer, and a
//! feature flag in an eventually consistent KV namespace, under faults.
//!
//! The session keeps live connections in memory, the profile in storage's
//! key-value API, recent activity in SQL and older activity in the
//! `ARCHIVE` bucket: past 8 actions in SQL, it writes the oldest 4 as one
//! object keyed by their numbers, and deletes those rows only once the put
//! is confirmed. An admin Worker at another edge flips the user's `beta`
//! flag in the `FLAGS` namespace and tells the session; the session keeps
//! the value it was told as the authoritative one and reads the namespace
//! only for a banner, where staleness is harmless. Under `--faults swarm`
//! (the default) hosts crash, links drop, the namespace fails, slows down
//! and serves stale copies, and bucket operations fail, slow down or fail
//! after writing. The properties:
//! - `acknowledged_actions_logged`: every acknowledged action is in SQL or
//!   in the archive exactly once, and the whole activity is in order;
//! - `actions_after_flip_see_it`: every action made after the flip was
//!   acknowledged runs with the flag on;
//! - `flag_seen_after_the_bound`: a minute after the flip, the session's
//!   host reads the new flag.
//!
//! ```text
//! cargo run --release --example session -- run --seeds 2000
//! ```
//!
//! Its twin, `session_trusts_flag`, reads the flag back from the namespace
//! instead, and is caught.

use std::process::ExitCode;

use dosim::Runner;
use dosim_workloads::session::{workload, Session};

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("session").seeds(1000), workload::<Session>)
}
