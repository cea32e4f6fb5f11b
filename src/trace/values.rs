//! The small values trace events carry: how a handler ended, why an
//! instance ended, what caused an event, which storage operation ran.

use serde::{Deserialize, Serialize};

/// How an event ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Returned a value.
    Ok,
    /// Returned (or was failed with) an error.
    Error,
    /// Panicked: an uncaught exception, in JavaScript terms.
    Panic,
}

/// Why an event started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "cause", content = "call")]
pub enum Cause {
    /// An incoming call or fetch.
    Call(u64),
    /// The body of a `block_concurrency_while`.
    BlockConcurrency,
    /// The object's alarm.
    Alarm,
    /// A message or close on a socket.
    Socket(u64),
}

/// Why an instance went away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndReason {
    /// Reset: a failed `block_concurrency_while` (or its time-out), or a
    /// failed write.
    Reset,
    /// Its host crashed.
    Crash,
    /// Evicted while idle.
    Evicted,
    /// Its namespace's code was updated.
    CodeUpdate,
    /// The object was placed again elsewhere; this instance is stale and
    /// may keep running, but fencing stops it from committing or replying.
    Superseded,
    /// The run ended with the instance still alive.
    RunEnded,
    /// Hibernated: idle with only hibernatable sockets; the runtime keeps
    /// them, and the next message builds a new instance.
    Hibernated,
}

/// The storage operation an event performed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageOp {
    /// `get` (one or several keys).
    Get,
    /// `list`.
    List,
    /// `put` (one or several entries).
    Put,
    /// `delete` (one or several keys).
    Delete,
    /// `delete_all`.
    DeleteAll,
    /// The object's SQL (`exec`, `database_size`).
    Sql,
    /// A transaction (its whole body).
    Transaction,
    /// Point-in-time recovery: a bookmark asked for or a restore planned.
    Bookmark,
    /// The alarm: set, read or deleted.
    Alarm,
}

/// A stub's number or a call's position among its stub's calls, as the
/// trace keeps it: in 32 bits, which keeps a call's entry small. A run
/// would need four billion stubs (or calls through one) to overflow it.
pub(crate) fn narrow_count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| {
        panic!("invariant trace-counts-fit: stub number or call position {n} exceeds u32")
    })
}
