//! `workers_rs_chat`: a chat room written for workers-rs, on hibernatable
//! WebSockets, run unchanged under dosim.
//!
//! Each socket carries its member's name as an attachment
//! (`serialize_attachment`), which survives hibernation. Two members talk
//! in rounds, 15 simulated seconds apart, so the room hibernates between
//! rounds; a socket a fault breaks is opened again. The property: every
//! line a member receives names its sender.
//!
//! ```text
//! cargo run --release --example workers_rs_chat -- run --seeds 1000
//! ```

use std::process::ExitCode;
use std::sync::atomic::AtomicU64;

use dosim::Runner;
use dosim_worker_proof::chat::ChatRoom;
use dosim_workloads::workers_rs::chatting;

/// Lines checked after a hibernation.
static REACHED: AtomicU64 = AtomicU64::new(0);

fn main() -> ExitCode {
    dosim::cli_main(Runner::new("workers_rs_chat").seeds(1000), |sim| {
        chatting::<ChatRoom>(sim, &REACHED)
    })
}
