//! `agent_chat`: a chat room written on the agents layer.
//!
//! Members join with a username kept in their connection's own state, so
//! it survives the room's hibernation; every message is stored in SQL,
//! acknowledged to its sender and broadcast to every other member; the
//! message count is the agent's state, pushed to every member; `GET
//! /history` answers the stored messages. Members pause long enough for
//! the room to hibernate, and crashes break their connections (they join
//! again).
//!
//! The properties:
//! - every acknowledged message is in the history under its author;
//! - every message a member receives names its real author, and never
//!   comes back to its own sender;
//! - the monitors `agent_state_sync` and `agent_schedules` hold.
//!
//! ```text
//! cargo run --release --example agent_chat -- run --seeds 2000
//! ```
//!
//! The agent and its workload live in the `dosim-workloads` crate
//! (`workloads/src/agent_chat.rs`).

use std::process::ExitCode;

use dosim_workloads::agent_chat::{runner, workload, AgentChat};

fn main() -> ExitCode {
    dosim::cli_main(runner("agent_chat"), workload::<AgentChat>)
}
