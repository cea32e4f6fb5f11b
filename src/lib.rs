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
//! #[dosim::rpc_methods(pub CounterRpc)]
//! impl Counter {
//!     /// Adds one; returns the new count.
//!     pub async fn increment(&self) -> Result<u64> {
//!         let n: u64 = self.state.storage().get("n").await?.unwrap_or(0);
//!         self.state.storage().put("n", &(n + 1)).await?;
//!         Ok(n + 1)
//!     }
//!     /// The count.
//!     pub async fn count(&self) -> Result<u64> {
//!         Ok(self.state.storage().get("n").await?.unwrap_or(0))
//!     }
//! }
//!
//! // 100 seeds, each under its own random mix of faults (crashes,
//! // partitions, storage failures, …) for its first 5 simulated seconds.
//! dosim::check("counter_counts", |sim: dosim::Sim| async move {
//!     let counters = sim.register::<Counter>("COUNTER")?;
//!     let mut acknowledged = 0;
//!     for _ in 0..3 {
//!         // A call cut off by a fault fails: it may or may not have run.
//!         if counters.get_by_name("room").increment().await.is_ok() {
//!             acknowledged += 1;
//!         }
//!     }
//!     // Once the faults stop, the count is readable again: `eventually`
//!     // retries, through a new stub each time, until the healed world answers.
//!     let count = sim.eventually(|| counters.get_by_name("room").count()).await?;
//!     assert!(acknowledged <= count && count <= 3, "{acknowledged} acknowledged, count {count}");
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
//! #[dosim::rpc_methods(RacyRpc)]
//! impl Racy {
//!     async fn increment(&self) -> Result<u64> {
//!         let n: u64 = self.state.storage().get("n").await?.unwrap_or(0);
//!         dosim::sleep(std::time::Duration::from_millis(1)).await; // leaves the object
//!         self.state.storage().put("n", &(n + 1)).await?;
//!         Ok(n + 1)
//!     }
//!     async fn count(&self) -> Result<u64> {
//!         Ok(self.state.storage().get("n").await?.unwrap_or(0))
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
//! ## The public surface, by group
//! - **Writing objects**: [`DurableObject`] and its [`State`], [`Env`] and
//!   [`Storage`] ([`Sql`], [`SyncKv`], [`Transaction`], [`ListOptions`],
//!   [`ScheduledTime`] for alarms); RPC through
//!   [`#[rpc_methods]`](rpc_methods) (or [`rpc!`]), [`RpcTarget`],
//!   [`Stub`] and [`RpcFuture`]; HTTP through [`Request`] and [`Response`];
//!   WebSockets through [`WebSocketPair`], [`WebSocket`], [`Message`] and,
//!   on the client side, [`ClientSocket`]; [`Error`] and [`Result`];
//!   simulated time ([`now`], [`elapsed`], [`sleep`]) and [`buggify`].
//! - **Running checks**: [`check`] for the common case, [`Runner`] beneath
//!   it, the [`Sim`] a test body gets (and its [`Client`]s and
//!   [`ObjectNamespace`]s), the [`Report`] of a sweep with its
//!   [`Failure`]s and [`RunRecord`]s; [`prop`], [`fuzz`] and [`corpus`].
//! - **The simulated world**: [`WorldConfig`], [`FaultPlan`] and its
//!   [`Fault`]s, [`Seed`]; the whole layer in [`sim`].
//! - **The application around the objects**: [`platform`]: the Worker
//!   entry ([`platform::worker::Worker`]), services the test defines, a
//!   bucket, a KV namespace and queues, each bound on the [`Sim`] and
//!   reached through [`Env`]; [`Sim::inspect`] reads an object's storage.
//! - **Invariants**: [`monitors`].
//! - **Constants**: [`limits`] (every limit, timeout and default) and
//!   [`close_codes`].
//! - **A test binary's command line**: [`cli`].
//!
//! ## Layers
//! From the ground up; a layer calls only the layers before it, and the
//! two on the ground floor only each other.
//! - [`trace`]: the events of a run, their sentences, recording, and the
//!   comparison of two runs (the vocabulary every layer records in)
//! - [`sim`]: the seeded world: seed and random streams, clock, network,
//!   fault plan and fault state, world config (no objects, no calls)
//! - `storage`: per-object SQLite, write batches, input and output gates
//! - `runtime`: ids, namespaces, stubs, instances and their lifecycle,
//!   events, alarms, WebSockets, the storage API
//! - [`platform`]: the application around the objects: the Worker entry
//!   and the services objects call (bucket, KV namespace, queues, services
//!   the test defines), on the runtime's public handles
//! - [`agents`]: the agents SDK's base class on the runtime: typed state
//!   pushed to clients, connections, schedules and a task queue on one
//!   alarm
//! - [`limits`]: the runtime's limits, and the storage API's size limits,
//!   production's or local workerd's, chosen per run
//! - [`monitors`]: invariants checked on every run's trace
//! - `check`: sweeps, reports, replay, the example command line, and the
//!   [`Sim`] a test body drives the run with (it lives here, not in `sim`,
//!   because it reaches every layer: the world, the runtime, the platform)
//! - [`corpus`]: saved failing runs, replayed as regressions
//!
//! Beside the stack, readable from any layer: `settings` (the `DOSIM_*`
//! variables, read in one place) and `mutations` (the planted bugs).

#![deny(missing_docs)]

// The attribute macros name `::dosim` paths; this lets them work inside
// the crate too.
extern crate self as dosim;

// dosim drives madsim's simulated clock and network, which exist only when
// every crate of the build is compiled with `--cfg madsim`. Without it the
// build would fail deep inside madsim; say what to add instead.
#[cfg(not(madsim))]
compile_error!(
    "dosim needs `--cfg madsim` for every crate of the build. Add to `.cargo/config.toml` \
     at your workspace root:\n\n[build]\nrustflags = [\"--cfg\", \"madsim\"]\n\
     rustdocflags = [\"--cfg\", \"madsim\"]\n\nor build with \
     RUSTFLAGS=\"--cfg madsim\" RUSTDOCFLAGS=\"--cfg madsim\" (see docs/setup.md in the dosim repository)"
);

pub mod agents;
pub(crate) mod check;
pub mod cli;
pub mod close_codes;
#[cfg(feature = "js")]
pub mod js;
pub mod limits;
pub mod monitors;
pub(crate) mod mutations;
pub mod platform;
pub(crate) mod runtime;
pub(crate) mod settings;
pub mod sim;
pub(crate) mod storage;
pub mod trace;

// Running checks.
pub use check::corpus;
pub use check::CallRecorder;
#[allow(deprecated)]
pub use check::Recorder;
pub use check::{check, Checked, Failure, FailureReason, Faults, Replay, Report};
pub use check::{fuzz, prop};
pub use check::{merge_reports, Merged};
pub use check::{run_on_fresh_thread, ObjectKey, RunRecord, Runner, Shard, Sim, StorageView};
pub use mutations::Mutation;
pub use runtime::{join_all, JoinHandle};

// Writing objects.
pub use runtime::AnyClass;
pub use runtime::{
    buggify, elapsed, now, sleep, AlarmInfo, Client, Cursor, DurableObject, Env, Error, ObjectId,
    ObjectNamespace, Request, Response, Result, Row, RpcFuture, RpcTarget, ScheduledTime, Sql,
    State, Storage, Stub, SyncKv, Transaction,
};
pub use runtime::{
    ClientEvent, ClientSocket, Message, WebSocket, WebSocketClientEnd, WebSocketPair,
};
pub use storage::{Bindings, ListOptions, SqlValue};

// The simulated world.
pub use sim::NaturalEnds;
pub use sim::{
    init_logging, Fault, FaultKind, FaultPlan, Latency, ScheduledFault, Seed, SeedParseError,
    WorldConfig,
};

// The names these items had at the crate root before they were grouped;
// kept so that code written against them still compiles.
#[doc(hidden)]
pub use check::{cli_main, cli_main_from, Cli, Command, FaultsArg, RunArgs};
#[doc(hidden)]
pub use close_codes::*;
#[doc(hidden)]
pub use limits::*;
#[doc(hidden)]
#[allow(deprecated)]
pub use sim::SIM_EPOCH_UNIX_MS;
#[doc(hidden)]
#[allow(deprecated)]
pub use storage::SQL_EPOCH_UNIX_MS;

/// Makes the `async fn(&self, …) -> Result<T>` methods of an `impl` block
/// RPC methods, callable through a typed client trait on the class's
/// [`Stub`].
///
/// `#[dosim::rpc_methods(CounterRpc)]` declares the client trait
/// `CounterRpc` (write `pub CounterRpc` to make it public) and implements
/// it for `Stub<Counter>`; the runtime dispatches calls to the methods.
/// Every `async fn` taking `&self` in the block is an RPC method; other
/// items stay ordinary methods. A method returns any path ending in
/// `Result<T>` (`Result<T>`, `dosim::Result<T>`, `Result<T, dosim::Error>`);
/// arguments and results are serde types, serialised across the simulated
/// network. A borrowed argument (`&str`, `&[T]`, `&T`) is serialised by the
/// client and decoded into its owned form (`String`, `Vec<T>`, `T`) that
/// the method borrows. Client calls return an [`RpcFuture`], which borrows
/// nothing.
///
/// A buggy twin reuses its original's methods: with
/// `#[dosim::rpc_methods(impl CounterRpc, fallback = inner)]` its stub
/// implements the existing `CounterRpc`, and every method the block does
/// not define runs on the original held in the field `inner`. Without
/// `fallback`, the twin answers only the methods it defines.
///
/// A borrow inside another type cannot be decoded, and says so at compile
/// time:
///
/// ```compile_fail
/// struct Greeter;
/// impl dosim::DurableObject for Greeter {
///     fn new(_: dosim::State, _: dosim::Env) -> Self { Greeter }
/// }
/// #[dosim::rpc_methods(GreeterRpc)]
/// impl Greeter {
///     // error: write `String` for `&str` … inside other types
///     async fn greet(&self, name: Option<&str>) -> dosim::Result<String> {
///         Ok(format!("hello {}", name.unwrap_or("you")))
///     }
/// }
/// ```
///
/// (The attribute has its own name because the older `macro_rules!` form,
/// [`rpc!`], holds the name `rpc`.)
///
/// ```
/// use std::cell::Cell;
/// use dosim::{DurableObject, Env, State};
///
/// struct Counter { state: State }
/// impl DurableObject for Counter {
///     fn new(state: State, _env: Env) -> Self { Counter { state } }
/// }
///
/// #[dosim::rpc_methods(pub CounterRpc)]
/// impl Counter {
///     /// Adds `by` to the count called `name`; returns the new count.
///     pub async fn add(&self, name: &str, by: u64) -> dosim::Result<u64> {
///         let n: u64 = self.state.storage().get(name).await?.unwrap_or(0);
///         self.state.storage().put(name, &(n + by)).await?;
///         Ok(n + by)
///     }
///
///     /// The count called `name`.
///     pub async fn count(&self, name: &str) -> Result<u64, dosim::Error> {
///         Ok(self.state.storage().get(name).await?.unwrap_or(0))
///     }
/// }
///
/// /// Counter with a bug: it adds one too many. Counting is unchanged.
/// struct OffByOne { inner: Counter }
/// impl DurableObject for OffByOne {
///     fn new(state: State, env: Env) -> Self { OffByOne { inner: Counter::new(state, env) } }
/// }
///
/// #[dosim::rpc_methods(impl CounterRpc, fallback = inner)]
/// impl OffByOne {
///     async fn add(&self, name: &str, by: u64) -> dosim::Result<u64> {
///         self.inner.add(name, by + 1).await
///     }
/// }
///
/// // A test of the API, not of faults: a fault-free sweep.
/// dosim::Runner::new("twins_share_a_client_trait")
///     .faults(dosim::Faults::None)
///     .run(|sim: dosim::Sim| async move {
///         let good = sim.register::<Counter>("GOOD")?;
///         let bad = sim.register::<OffByOne>("BAD")?;
///         assert_eq!(good.get_by_name("a").add("hits", 2).await?, 2);
///         assert_eq!(bad.get_by_name("a").add("hits", 2).await?, 3);
///         // `count` is not in OffByOne's block: it runs on `inner`.
///         assert_eq!(bad.get_by_name("a").count("hits").await?, 3);
///         // The call's future owns what it needs, so the temporary stub may go.
///         let count = || bad.get_by_name("a").count("hits");
///         let pending = sim.spawn(count());
///         assert_eq!(pending.await??, 3);
///         Ok(())
///     })
///     .assert_passed();
/// ```
pub use dosim_macros::rpc_methods;

/// What the [`rpc!`] and [`rpc_methods`] macros expand to; not part of the
/// API.
#[doc(hidden)]
pub mod __private {
    pub use crate::runtime::object::no_such_method;
    pub use crate::runtime::payload::Payload;
    pub use crate::runtime::rpc::{dispatch_owned, RpcCall, RpcMethods};
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
