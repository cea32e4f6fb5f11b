//! # dosim — deterministic simulation testing for Durable Objects
//!
//! dosim runs a Durable Objects runtime on a seeded, simulated clock and
//! network (madsim), drives your objects with concurrent clients, checks
//! the runtime's guarantees and your properties, and turns every failure
//! into a seed that replays the same run, byte for byte.
//!
//! ## A test in one screen
//!
//! ```
//! use std::cell::Cell;
//! use dosim::{DurableObject, Env, Result, State};
//!
//! struct Counter { state: State }
//!
//! impl DurableObject for Counter {
//!     fn new(state: State, _env: Env) -> Self { Counter { state } }
//! }
//!
//! dosim::rpc! {
//!     /// Calls to a [`Counter`].
//!     pub trait CounterRpc for Counter {
//!         /// Adds one; returns the new count.
//!         pub async fn increment(&self) -> Result<u64> {
//!             let n: u64 = self.state.storage().get("n").await?.unwrap_or(0);
//!             self.state.storage().put("n", &(n + 1)).await?;
//!             Ok(n + 1)
//!         }
//!     }
//! }
//!
//! dosim::check("counter_counts", |sim: dosim::Sim| async move {
//!     let counters = sim.register::<Counter>("COUNTER")?;
//!     let stub = counters.get_by_name("room");
//!     assert_eq!(stub.increment().await?, 1);
//!     assert_eq!(stub.increment().await?, 2);
//!     Ok(())
//! });
//! ```
//!
//! ## A bug found, then replayed
//!
//! An object that reads, awaits something outside itself, then writes, loses
//! updates: the input gate opens at that await. dosim finds the interleaving
//! and reports the seed with the command that replays it:
//!
//! ```
//! use dosim::{DurableObject, Env, Result, Runner, State};
//!
//! struct Racy { state: State }
//! impl DurableObject for Racy { fn new(state: State, _env: Env) -> Self { Racy { state } } }
//! dosim::rpc! {
//!     pub trait RacyRpc for Racy {
//!         pub async fn increment(&self) -> Result<u64> {
//!             let n: u64 = self.state.storage().get("n").await?.unwrap_or(0);
//!             dosim::sleep(std::time::Duration::from_millis(1)).await; // leaves the object
//!             self.state.storage().put("n", &(n + 1)).await?;
//!             Ok(n + 1)
//!         }
//!         pub async fn count(&self) -> Result<u64> {
//!             Ok(self.state.storage().get("n").await?.unwrap_or(0))
//!         }
//!     }
//! }
//!
//! let report = Runner::new("racy_loses_updates").seeds(20).quiet().run(|sim| async move {
//!     let ns = sim.register::<Racy>("RACY")?;
//!     let a = sim.spawn(ns.get_by_name("x").increment());
//!     let b = sim.spawn(ns.get_by_name("x").increment());
//!     a.await??;
//!     b.await??;
//!     let n = ns.get_by_name("x").count().await?;
//!     if n != 2 { dosim::bail!("two increments acknowledged, count is {n}"); }
//!     Ok(())
//! });
//! assert!(!report.passed());
//! let failure = &report.failures[0];
//! assert!(failure.replay.contains(&failure.seed.to_string()));
//! ```
//!
//! ## Layers
//! - [`sim`]: seeds, clock, network, trace (no Durable Objects)
//! - `storage`: per-object SQLite, write batches, input and output gates
//! - `runtime`: ids, namespaces, stubs, instances, events, the storage API
//! - [`monitors`]: invariants checked on every run's trace
//! - `check`: sweeps, reports, replay, the example command line
//! - [`corpus`]: saved failing runs, replayed as regressions

#![deny(missing_docs)]

pub(crate) mod check;
pub mod monitors;
pub(crate) mod mutations;
pub(crate) mod runtime;
pub(crate) mod settings;
pub mod sim;
pub(crate) mod storage;

pub use check::corpus;
pub use check::{
    check, cli_main, cli_main_from, Checked, Cli, Command, Failure, FailureReason, Faults,
    FaultsArg, Recorder, Replay, Report, RunArgs, RunRecord, Runner, Shard, Sim, SEEDS_DEFAULT,
};
pub use check::{fuzz, prop};
pub use mutations::Mutation;
pub use runtime::{
    buggify, elapsed, join_all, now, sleep, AlarmInfo, Client, Cursor, DurableObject, Env, Error,
    JoinHandle, ObjectId, ObjectNamespace, Payload, Request, Response, Result, Row, RpcTarget, Sql,
    State, Storage, Stub, SyncKv, Transaction, ALARM_HANDLER_TIMEOUT, ALARM_RETRIES_MAX,
    ALARM_RETRY_FIRST, BATCH_KEYS_MAX, BLOCK_CONCURRENCY_DEPTH_MAX, BLOCK_CONCURRENCY_TIMEOUT,
    CALL_ATTEMPTS_MAX, KEY_BYTES_MAX, RPC_PAYLOAD_BYTES_MAX,
};
pub use runtime::{
    ClientEvent, ClientSocket, Message, WebSocket, WebSocketClientEnd, WebSocketPair,
    ATTACHMENT_BYTES_MAX, AUTO_RESPONSE_BYTES_MAX, CLOSE_ABNORMAL, CLOSE_NORMAL,
    CLOSE_SERVICE_RESTART, HIBERNATABLE_SOCKETS_MAX, HIBERNATION_IDLE, MESSAGE_BYTES_MAX, TAGS_MAX,
    TAG_CHARS_MAX,
};
pub use sim::SIM_EPOCH_UNIX_MS;
pub use sim::{
    init_logging, Fault, FaultKind, FaultPlan, Latency, ScheduledFault, Seed, SeedParseError,
    WorldConfig,
};
pub use storage::{
    Bindings, ListOptions, SqlValue, BOOKMARK_WINDOW, SQL_BINDINGS_MAX, SQL_COLUMNS_MAX,
    SQL_EPOCH_UNIX_MS, SQL_LENGTH_MAX, SQL_VALUE_BYTES_MAX,
};

/// What the [`rpc!`] macro expands to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::runtime::object::no_such_method;
    pub use crate::runtime::payload::Payload;
    pub use futures::future::LocalBoxFuture;

    /// Decodes the argument tuple of `method`.
    pub fn decode_args<A: serde::de::DeserializeOwned>(
        args: &Payload,
        method: &str,
    ) -> crate::Result<A> {
        args.decode(|| format!("the arguments of {method}()"))
    }

    /// Encodes the result of `method`.
    pub fn encode_result<R: serde::Serialize>(value: &R, method: &str) -> crate::Result<Payload> {
        Payload::encode(value, || format!("the result of {method}()"))
    }
}
