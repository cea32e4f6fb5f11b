//! The seeded world: seed and random streams, clock, locations and network,
//! and the trace recorder. Knows nothing about Durable Objects.

pub(crate) mod clock;
pub(crate) mod fault_state;
pub(crate) mod faults;
pub(crate) mod logging;
pub(crate) mod network;
pub(crate) mod rng;
pub(crate) mod seed;
pub(crate) mod trace;
pub mod trace_text;
pub(crate) mod world;
pub(crate) mod world_config;

pub use clock::{format_sim_time, SIM_EPOCH_UNIX_MS};
pub use faults::{Fault, FaultKind, FaultPlan, ScheduledFault};
pub use logging::{init_logging, SimTime};
pub use seed::{Seed, SeedParseError};
pub use trace::{
    content_hash, first_divergence, storage_digest, trace_hash, Cause, EndReason, ObjectRef,
    Outcome, StorageOp, TraceEvent, What,
};
pub use world_config::{Latency, Location, LocationId, LocationKind, WorldConfig};
