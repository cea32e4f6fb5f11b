//! `workers_rs_chat_memory_names`: the workers-rs chat room's buggy twin,
//! which dosim must catch.
//!
//! It keeps each member's name in the instance's memory instead of on the
//! socket. Once the room hibernates and a message wakes it, the new
//! instance knows no names, and the line goes out as `anonymous: …`.
//!
//! ```text
//! cargo run --release --example workers_rs_chat_memory_names -- --seeds 100   # exits 1, prints replay: …
//! ```

use std::process::ExitCode;
use std::sync::atomic::AtomicU64;

use dosim::Runner;
use dosim_worker_proof::chat::ChatMemoryNames;
use dosim_workloads::workers_rs::chatting;

/// Lines checked after a hibernation.
static REACHED: AtomicU64 = AtomicU64::new(0);

fn main() -> ExitCode {
    dosim::cli_main(
        Runner::new("workers_rs_chat_memory_names").seeds(100),
        |sim| chatting::<ChatMemoryNames>(sim, &REACHED),
    )
}
