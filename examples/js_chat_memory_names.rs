//! `js_chat_memory_names`: the TypeScript chat room's buggy twin
//! (`examples/js/chat_memory_names.ts`), which keeps member names in a `Map`
//! in memory; hibernation loses them, and messages after the quiet spell
//! go out under `?`. dosim must catch it.
//!
//! ```text
//! cargo run --release --features js --example js_chat_memory_names -- run --seeds 500   # exits 1
//! ```

use std::process::ExitCode;

use dosim_workloads::js_chat::{workload, CHAT_MEMORY_NAMES_TS};
use dosim_workloads::js_counter::runner;

fn main() -> ExitCode {
    dosim::cli_main(runner("js_chat_memory_names").seeds(200), |sim| {
        workload(sim, "chat_memory_names.ts", CHAT_MEMORY_NAMES_TS)
    })
}
