//! `agent_chat_memory_names`: the agent chat room's buggy twin, which dosim
//! must catch.
//!
//! It keeps each connection's username in a map in memory instead of in
//! the connection's state. When the room hibernates, the new instance
//! starts with an empty map and posts the next messages under no name; the
//! workload is the room's own, so the property that fails is "every
//! message a member receives names its real author".
//!
//! ```text
//! cargo run --release --example agent_chat_memory_names -- run --seeds 500   # exits 1
//! ```

use std::process::ExitCode;

use dosim_workloads::agent_chat::{runner, workload};
use dosim_workloads::agent_chat_memory_names::ForgetfulAgentChat;

fn main() -> ExitCode {
    dosim::cli_main(
        runner("agent_chat_memory_names"),
        workload::<ForgetfulAgentChat>,
    )
}
