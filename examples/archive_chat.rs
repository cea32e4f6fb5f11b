//! `archive_chat`: a chat room that archives old messages to a bucket,
//! under concurrent clients and faults.
//!
//! Clients post to one room; the room keeps messages in SQL and, every 10
//! messages, writes the oldest batch to the `ARCHIVE` bucket as one object,
//! deleting those rows only once the put is confirmed. Under `--faults
//! swarm` (the default) hosts crash, links drop, and bucket operations fail,
//! slow down, or fail after writing. The property: every acknowledged
//! message is in SQL or in the archive, none lost, none stored twice.
//!
//! ```text
//! cargo run --release --example archive_chat -- run --seeds 2000
//! cargo run --release --example archive_chat -- replay <seed>
//! ```
//!
//! The room and its workload live in the `dosim-workloads` crate
//! (`workloads/src/archive_chat.rs`).

use std::process::ExitCode;

use dosim::Runner;
use dosim_workloads::archive_chat::{workload, ArchiveRoom};

fn main() -> ExitCode {
    dosim::cli_main(
        Runner::new("archive_chat").seeds(1000),
        workload::<ArchiveRoom>,
    )
}
