//! The fault model: what may go wrong in a run, when, and how often.
//!
//! A [`FaultPlan`] is plain data (serde), so a failing run can be saved and
//! replayed with exactly its faults. It has two parts: a schedule of faults
//! at fixed times, and rates at which the injector draws faults of each
//! kind at random (times and targets from the run's seed). Swarm mode
//! ([`FaultPlan::swarm`]) draws a plan per seed: a random subset of kinds at
//! random intensities, from the seed's configuration stream — separate from
//! the run's own, so editing a plan does not reshuffle the rest of the run.
//!
//! The kinds are the platform's (hosts crash, instances are evicted or
//! hibernate, code is updated, storage fails), named here as data so that
//! one plan file describes a run. This module only draws and schedules
//! them; the runtime's fault injector applies them to objects. What each
//! fault does there, and why the runtime survives it:
//! - `crash` of a host: its instances lose their memory and their
//!   unconfirmed batches (whole), held output is never released, callers get
//!   "Network connection lost." (retryable) and their stubs break. Storage is
//!   elsewhere, so confirmed batches survive. The host restarts later; the
//!   objects meanwhile are placed again, elsewhere, with a higher epoch.
//! - `evict`: an idle instance is dropped; its constructor runs again on the
//!   next event. Nothing durable is lost; plain WebSockets close (1006).
//! - `hibernate`: an instance that may hibernate (idle, holding only
//!   hibernatable WebSockets) is dropped at once; the runtime keeps its
//!   sockets, tags and attachments, and the next message builds a new
//!   instance. Memory is lost — state kept only there is what this catches.
//! - `code_update` of a namespace: every instance resets with "Durable
//!   Object reset because its code was updated."
//! - `partition` between two locations, healed later, and `message_loss`:
//!   messages are dropped. A call whose request was lost is retried by the
//!   runtime (at most 5 attempts, deduplicated by the object); a lost reply
//!   leaves the outcome unknown to the caller. A host cut off from storage
//!   cannot confirm: its output stays held, and the object may be placed
//!   again elsewhere, where fencing stops the stale instance.
//! - `storage_failure`: the next batch an object commits fails; the object
//!   resets with "Internal error in Durable Object storage caused object to
//!   be reset" and its held output is replaced by that error.
//! - `slow_storage`: confirmations take longer for a while.
//! - `client_pause`: a client stalls, then resumes.
//! - `hibernation` is reserved for the WebSockets work.
//! - `service_refused`, `service_timeout`, `service_error`, `service_slow`
//!   and `service_lost_response` hit calls to services the test defines
//!   (`sim.service`); their rates are percents of calls, and a scheduled
//!   `service_call` fault hits the next call to one service. What each does
//!   is written in `platform::service`.
//! - `bucket_error`, `bucket_slow`, `bucket_lost_put`: a bucket operation
//!   fails with R2's internal error and writes nothing; takes longer; or a
//!   put is written but its caller gets the error (an unknown outcome, as
//!   when a response is lost). Their rates are percents of bucket
//!   operations, and swarm mode draws them only in runs that bind a bucket
//!   (`platform::bucket` applies them).

use std::fmt;

use serde::{Deserialize, Serialize};

// The plan that schedules these faults has a file of its own; it is
// still named from here, where the fault model is described.
pub use super::fault_plan::FaultPlan;

/// The kinds of fault, by their names in plans, traces and summaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// A host crashes (and restarts later).
    Crash,
    /// An idle instance is evicted.
    Evict,
    /// A namespace's code is updated: its instances reset.
    CodeUpdate,
    /// Two locations cannot reach each other for a while.
    Partition,
    /// Single messages are dropped.
    MessageLoss,
    /// A batch fails to commit: the object resets.
    StorageFailure,
    /// Confirmations are slow for a while.
    SlowStorage,
    /// A client stalls for a while.
    ClientPause,
    /// `dosim::buggify()` points in user code may fire.
    Buggify,
    /// Instances that may hibernate (idle, holding only hibernatable
    /// WebSockets) hibernate at once.
    Hibernate,
    // Queues: drawn by each bound queue (see `FaultKind::QUEUE`), as the
    // percent of its deliveries, batches or sends they hit.
    /// A queue delivers a message again although it was acknowledged.
    QueueDuplicate,
    /// A queue consumer's invocation crashes mid-batch: its undecided
    /// messages come back.
    QueueConsumerCrash,
    /// A send to a queue fails: the producer gets an error, nothing is
    /// enqueued.
    QueueSendFailure,
    // KV namespace faults: a percent of operations, only in runs that bind
    // a KV namespace.
    /// A KV namespace operation fails (`KV GET failed: 503 …`).
    KvFailure,
    /// A KV namespace operation is slow.
    KvSlow,
    /// A location's cached copy of a KV key stays for the whole staleness
    /// bound (its longest possible staleness).
    KvStale,
    // Services the test defines (`sim.service`): rates are percents of calls.
    /// A call to a service is refused: its handler never runs.
    ServiceRefused,
    /// A call to a service times out; its handler may or may not have run.
    ServiceTimeout,
    /// A service answers 502 or 503 without running its handler.
    ServiceError,
    /// A call to a service takes longer.
    ServiceSlow,
    /// A service did the work, but its response is lost on the way back.
    ServiceLostResponse,
    /// A bucket operation fails and writes nothing.
    BucketError,
    /// A bucket operation takes longer.
    BucketSlow,
    /// A bucket put is written but its caller gets an error.
    BucketLostPut,
}

impl FaultKind {
    /// The kinds a queue injects, drawn by each bound queue from a stream
    /// of its own (not part of [`ALL`](Self::ALL), which swarm mode draws
    /// for every run).
    pub const QUEUE: &'static [FaultKind] = &[
        FaultKind::QueueDuplicate,
        FaultKind::QueueConsumerCrash,
        FaultKind::QueueSendFailure,
    ];

    /// Every kind the runtime's injector draws, in a fixed order.
    pub const ALL: &'static [FaultKind] = &[
        FaultKind::Crash,
        FaultKind::Evict,
        FaultKind::CodeUpdate,
        FaultKind::Partition,
        FaultKind::MessageLoss,
        FaultKind::StorageFailure,
        FaultKind::SlowStorage,
        FaultKind::ClientPause,
        FaultKind::Buggify,
        FaultKind::Hibernate,
        FaultKind::KvFailure,
        FaultKind::KvSlow,
        FaultKind::KvStale,
        FaultKind::ServiceRefused,
        FaultKind::ServiceTimeout,
        FaultKind::ServiceError,
        FaultKind::ServiceSlow,
        FaultKind::ServiceLostResponse,
        FaultKind::BucketError,
        FaultKind::BucketSlow,
        FaultKind::BucketLostPut,
    ];

    /// The kinds that hit bucket operations: swarm mode draws them only in
    /// runs that bind a bucket.
    pub const BUCKET: &'static [FaultKind] = &[
        FaultKind::BucketError,
        FaultKind::BucketSlow,
        FaultKind::BucketLostPut,
    ];

    /// The kinds a KV namespace injects into its own operations.
    pub const KV_NAMESPACE: &'static [FaultKind] =
        &[FaultKind::KvFailure, FaultKind::KvSlow, FaultKind::KvStale];

    /// The kinds that hit calls to services the test defines.
    pub const SERVICE: &'static [FaultKind] = &[
        FaultKind::ServiceRefused,
        FaultKind::ServiceTimeout,
        FaultKind::ServiceError,
        FaultKind::ServiceSlow,
        FaultKind::ServiceLostResponse,
    ];

    /// Whether a platform service injects this kind into its own
    /// operations (its rate is a percent of them, kept in the plan's
    /// [`service_rates`](FaultPlan::service_rates)), rather than the
    /// runtime at random times. Swarm mode draws these from streams of
    /// their own, and a run applies them only once the service is bound,
    /// so runs without services never see them.
    pub fn is_service(self) -> bool {
        FaultKind::KV_NAMESPACE.contains(&self) || FaultKind::SERVICE.contains(&self)
    }

    /// The name used in plans and summaries.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Evict => "evict",
            FaultKind::CodeUpdate => "code_update",
            FaultKind::Partition => "partition",
            FaultKind::MessageLoss => "message_loss",
            FaultKind::StorageFailure => "storage_failure",
            FaultKind::SlowStorage => "slow_storage",
            FaultKind::ClientPause => "client_pause",
            FaultKind::Buggify => "buggify",
            FaultKind::Hibernate => "hibernate",
            FaultKind::QueueDuplicate => "queue_duplicate",
            FaultKind::QueueConsumerCrash => "queue_consumer_crash",
            FaultKind::QueueSendFailure => "queue_send_failure",
            FaultKind::KvFailure => "kv_failure",
            FaultKind::KvSlow => "kv_slow",
            FaultKind::KvStale => "kv_stale",
            FaultKind::ServiceRefused => "service_refused",
            FaultKind::ServiceTimeout => "service_timeout",
            FaultKind::ServiceError => "service_error",
            FaultKind::ServiceSlow => "service_slow",
            FaultKind::ServiceLostResponse => "service_lost_response",
            FaultKind::BucketError => "bucket_error",
            FaultKind::BucketSlow => "bucket_slow",
            FaultKind::BucketLostPut => "bucket_lost_put",
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One fault, with its target named as in the world config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// Crash `host`; it restarts after `restart_after_ms`.
    Crash {
        /// The host's name (`host-0`, …).
        host: String,
        /// Downtime in simulated milliseconds.
        restart_after_ms: u64,
    },
    /// Evict every idle instance on `host`.
    Evict {
        /// The host's name.
        host: String,
    },
    /// Hibernate every instance on `host` that may hibernate now.
    Hibernate {
        /// The host's name.
        host: String,
    },
    /// Reset every instance of the namespace bound to `namespace`.
    CodeUpdate {
        /// The binding name.
        namespace: String,
    },
    /// Cut `a` off from `b` (both directions) for `heal_after_ms`.
    Partition {
        /// One location's name.
        a: String,
        /// The other's.
        b: String,
        /// How long until it heals, in simulated milliseconds.
        heal_after_ms: u64,
    },
    /// The next batch committed from `host` fails.
    StorageFailure {
        /// The host whose next commit fails.
        host: String,
    },
    /// Confirmations take `extra_ms` longer for `duration_ms`.
    SlowStorage {
        /// Added to every confirmation's round trip.
        extra_ms: u64,
        /// For how long.
        duration_ms: u64,
    },
    /// `client` stalls for `duration_ms`.
    ClientPause {
        /// The client location's name.
        client: String,
        /// For how long.
        duration_ms: u64,
    },
    /// The next message `queue` acknowledges is delivered again.
    QueueDuplicate {
        /// The queue's binding name.
        queue: String,
    },
    /// The next batch `queue` hands its consumer crashes mid-batch.
    QueueConsumerCrash {
        /// The queue's binding name.
        queue: String,
    },
    /// The next send to `queue` fails.
    QueueSendFailure {
        /// The queue's binding name.
        queue: String,
    },
    /// The next call to the service bound to `service` suffers `fault`, a
    /// service kind (`service_refused`, …, `service_lost_response`).
    ServiceCall {
        /// The service's binding name.
        service: String,
        /// What happens to that call.
        fault: FaultKind,
    },
    /// The next operation on the bucket bound to `bucket` fails.
    BucketError {
        /// The bucket's binding name.
        bucket: String,
    },
    /// The next operation on `bucket` takes `extra_ms` longer.
    BucketSlow {
        /// The bucket's binding name.
        bucket: String,
        /// Added to the operation's round trip.
        extra_ms: u64,
    },
    /// The next put to `bucket` is written, but its caller gets an error.
    BucketLostPut {
        /// The bucket's binding name.
        bucket: String,
    },
}

impl ScheduledFault {
    /// `fault` at `at_ms` simulated milliseconds after the run started.
    pub fn new(at_ms: u64, fault: Fault) -> ScheduledFault {
        ScheduledFault { at_ms, fault }
    }
}

impl Fault {
    /// The kind of this fault.
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::Crash { .. } => FaultKind::Crash,
            Fault::Evict { .. } => FaultKind::Evict,
            Fault::Hibernate { .. } => FaultKind::Hibernate,
            Fault::CodeUpdate { .. } => FaultKind::CodeUpdate,
            Fault::Partition { .. } => FaultKind::Partition,
            Fault::StorageFailure { .. } => FaultKind::StorageFailure,
            Fault::SlowStorage { .. } => FaultKind::SlowStorage,
            Fault::ClientPause { .. } => FaultKind::ClientPause,
            Fault::QueueDuplicate { .. } => FaultKind::QueueDuplicate,
            Fault::QueueConsumerCrash { .. } => FaultKind::QueueConsumerCrash,
            Fault::QueueSendFailure { .. } => FaultKind::QueueSendFailure,
            Fault::ServiceCall { fault, .. } => *fault,
            Fault::BucketError { .. } => FaultKind::BucketError,
            Fault::BucketSlow { .. } => FaultKind::BucketSlow,
            Fault::BucketLostPut { .. } => FaultKind::BucketLostPut,
        }
    }
}

/// A fault at a fixed simulated time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ScheduledFault {
    /// When, in simulated milliseconds since the run started.
    pub at_ms: u64,
    /// What.
    pub fault: Fault,
}
