//! TypeScript and JavaScript Durable Objects, run unchanged under
//! simulation (the `js` feature).
//!
//! A module is loaded once ([`JsModule`]: TypeScript has its types
//! stripped in process), and each exported class registered under a
//! binding becomes a namespace of [`JsObject`]s. Every instance is its own
//! QuickJS runtime with a prelude that provides `cloudflare:workers` and
//! deterministic globals (`Date`, `Math.random`, `crypto`, timers on the
//! simulated clock, `console` into the trace).
//!
//! The invariant this layer keeps: JavaScript runs only inside a poll of
//! one of the instance's events, so the input gate, the output gate, write
//! batches and the seed's interleavings apply to a JavaScript object
//! exactly as to a Rust one. Every promise continuation a host operation
//! releases runs in the poll of the event that started the operation.
//!
//! It sits above `runtime` (it is an object class of the runtime, built on
//! its public handles) and `platform` (whose bindings it hands to
//! JavaScript), and below `check`, which registers it.

mod bindings;
mod bucket;
mod bytecode;
mod call;
mod host;
mod isolate;
mod module;
mod object;
mod ops;
mod platform;
mod prelude;
mod sockets;
mod sql;
mod stub;
mod transpile;

pub use module::JsModule;
pub use object::JsObject;
