//! The trace: the vocabulary the whole system speaks about a run.
//!
//! Every step of a run becomes a [`TraceEntry`]: the seeded world records
//! its faults and message losses, storage its batches and commits, the
//! runtime its calls, instances and sockets. The trace is the run's ground
//! truth: monitors are pure functions of it, failure reports quote it (as
//! sentences, from [`text`]), and determinism is defined on it — the same
//! seed must give the same trace, byte for byte, which [`first_divergence`]
//! and [`trace_hash`] check.
//!
//! This layer sits on the ground floor beside `sim`: its events name the
//! world's locations and fault kinds, and the world holds the recorder, but
//! nothing here draws a random number or reads the clock.

mod digest;
mod entry;
mod event;
mod excerpt;
mod kind;
mod recorder;
mod recurring;
mod spare;
pub mod text;
mod values;

pub(crate) use digest::stable_hasher;
pub use digest::{content_hash, first_divergence, storage_digest, trace_hash};
#[allow(deprecated)]
pub use entry::TraceEvent;
pub use entry::{ObjectRef, TraceEntry};
pub use event::What;
pub use excerpt::{Excerpt, EXCERPT_BYTES_MAX};
pub(crate) use recorder::TraceRecorder;
pub(crate) use spare::recycle;
pub(crate) use values::narrow_count;
pub use values::{Cause, EndReason, Outcome, StorageOp};
