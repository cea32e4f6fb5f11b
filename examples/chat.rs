//! `chat`: a chat room on hibernatable WebSockets.
//!
//! Clients join a room (a WebSocket upgrade through `fetch`), send messages
//! and receive every message of the room, their own included. The room
//! keeps its history in SQL and each member's name in the socket's
//! attachment, so nothing it needs lives only in memory: it can hibernate
//! between messages (after 10 idle seconds, or whenever swarm mode forces
//! it) and wake for the next one. Crashes break sockets; clients then join
//! again. A `ping` is answered by the runtime's auto-response, without
//! waking the room.
//!
//! The properties:
//! - every message a client saw echoed was stored in the history, under
//!   its author's name, and the room echoed it with that name;
//! - each author's messages reach every client in the order sent.
//!
//! ```text
//! cargo run --release --example chat -- --seeds 2000
//! ```
//!
//! The object and its workload live in the `dosim-workloads` crate
//! (`workloads/src/chat.rs`), shared with the sim tests.

use std::process::ExitCode;

use dosim_workloads::chat::{runner, workload, Room};

fn main() -> ExitCode {
    dosim::cli_main(runner("chat"), workload::<Room>)
}
