//! # `worker` for dosim
//!
//! An object written for workers-rs (the `worker` crate) runs under dosim
//! unchanged when its crate takes this one under the name `worker`:
//!
//! ```toml
//! [dependencies]
//! worker = { package = "dosim-worker", path = "…/compat/worker" }
//! ```
//!
//! Under `--cfg madsim` (dosim's builds) this crate is a mirror of the
//! Durable Objects surface of `worker` 0.8 — the same names, paths,
//! signatures and errors — running on dosim's runtime: `#[durable_object]`
//! makes the struct a dosim object, to register with
//! `sim.register::<Counter>("COUNTER")`, and `#[event(fetch)]` makes a
//! Worker entry. Without the cfg it re-exports the real `worker` crate,
//! so the same source still builds for Cloudflare. This is how
//! madsim-tokio swaps tokio; cargo refuses one dependency name with a
//! different source per target, which is why the swap lives here and not
//! in the user's Cargo.toml.
//!
//! What the mirror cannot reproduce (JS values, `js_sys::Map` returns)
//! fails to compile with a message naming the item, rather than at run
//! time; `docs/workers-rs.md` in the dosim repository lists every item.

#![deny(missing_docs)]

#[cfg(not(madsim))]
pub use real_worker::*;

#[cfg(madsim)]
mod mirror;
#[cfg(madsim)]
pub use mirror::*;
