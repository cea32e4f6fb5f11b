//! `js_chat`: the chat room written in TypeScript (`examples/js/chat.ts`),
//! on hibernatable WebSockets with its history in SQL, run unchanged under
//! the Rust chat's own workload (see `examples/chat.rs`).
//!
//! ```text
//! cargo run --release --features js --example js_chat -- run --seeds 2000
//! ```

use std::process::ExitCode;

use dosim_workloads::js_chat::{workload, CHAT_TS};
use dosim_workloads::js_counter::runner;

fn main() -> ExitCode {
    dosim::cli_main(runner("js_chat").seeds(200), |sim| {
        workload(sim, "chat.ts", CHAT_TS)
    })
}
