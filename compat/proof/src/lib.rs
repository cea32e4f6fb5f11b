//! Durable Objects written for workers-rs, and nothing else: a counter, a
//! SQL-backed counter and a hibernating chat room, each with a buggy twin
//! where the bug is one a deployed object could have, and a Worker entry
//! routing to them. The files name only `worker`; the crate's Cargo.toml
//! decides whether that is Cloudflare's crate or dosim's mirror.

pub mod chat;
pub mod counter;
pub mod entry;
pub mod sql_counter;

/// The last path segment of a request: the operation, whatever prefix the
/// Worker routed it by.
fn operation(req: &worker::Request) -> String {
    req.path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}
