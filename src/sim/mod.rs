//! The seeded world of one run: the seed and its random streams, the
//! simulated clock, the locations and the network between them, the fault
//! plan and the faults in force, and the world's configuration.
//!
//! Everything random in a run is drawn here, from the seed, and every
//! delay passes on this clock: that is what makes a run a pure function of
//! its seed. The world knows how to schedule a fault, cut a link, take a
//! host down or slow storage's confirmations; it does not know what an
//! object, an instance or a stub is. The fault plan names the platform's
//! fault kinds (evict, hibernate, code update, storage failure, …) as data,
//! so that one plan file describes a run; the world only schedules them
//! and keeps the state they leave (a cut link, a down host), and the
//! runtime above gives them their meaning.
//!
//! The world holds the run's trace recorder (see [`crate::trace`]), so that
//! every layer above records into one trace, and a count of the requests
//! sent and not yet answered (whatever they ask), so that the harness knows
//! when the last one has settled.

pub(crate) mod clock;
pub(crate) mod fault_plan;
pub(crate) mod fault_state;
pub(crate) mod faults;
pub(crate) mod logging;
pub(crate) mod network;
pub(crate) mod rng;
pub(crate) mod seed;
pub(crate) mod wakers;
pub(crate) mod world;
pub(crate) mod world_config;

#[allow(deprecated)]
pub use clock::SIM_EPOCH_UNIX_MS;
pub use clock::{format_sim_time, SIM_START_UNIX_MS};
pub use fault_plan::{FaultPlan, CALM_ONE_IN};
pub use faults::{Fault, FaultKind, ScheduledFault};
pub use logging::{init_logging, SimTime};
pub use seed::{Seed, SeedParseError};
// The trace used to live here; its old paths keep working.
#[doc(hidden)]
#[allow(deprecated)]
pub use crate::trace::TraceEvent;
#[doc(hidden)]
pub use crate::trace::{
    content_hash, first_divergence, storage_digest, trace_hash, Cause, EndReason, ObjectRef,
    Outcome, StorageOp, TraceEntry, What,
};
pub use world::NaturalEnds;
pub use world_config::{Latency, Location, LocationId, LocationKind, WorldConfig};

/// The trace as sentences; moved to [`crate::trace::text`].
#[deprecated(note = "use dosim::trace::text")]
pub mod trace_text {
    pub use crate::trace::text::{describe, object_names, render};
}
