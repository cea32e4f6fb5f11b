//! `chat_memory_names`: the chat room's buggy twin, which dosim must catch.
//!
//! It remembers who is behind each socket in a map in memory instead of in
//! the socket's attachment. That works until the room hibernates: the new
//! instance starts with an empty map, and the next message is posted under
//! no name. The workload is the chat's own, so the property that fails is
//! "the room echoed a message with its author's name".
//!
//! ```text
//! cargo run --release --example chat_memory_names -- --seeds 200   # exits 1
//! ```
//!
//! The twin lives in the `dosim-workloads` crate
//! (`workloads/src/chat_memory_names.rs`), beside the `chat` it breaks.

use std::process::ExitCode;

use dosim_workloads::chat::{runner, workload};
use dosim_workloads::chat_memory_names::ForgetfulRoom;

fn main() -> ExitCode {
    dosim::cli_main(runner("chat_memory_names"), workload::<ForgetfulRoom>)
}
