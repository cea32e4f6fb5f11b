//! Planted bugs in the runtime, to show that each monitor can fire.
//!
//! Built only with the `mutations` cargo feature, and then chosen per run:
//! by `DOSIM_MUTATION=<name>` for a whole process, or `Runner::mutation` for
//! one sweep. Without the feature every check compiles to `false` and costs
//! nothing.
//!
//! The planted bug of a run lives here, in a thread-local of its own, and
//! not in the simulated world: storage and the runtime ask about it, the
//! harness plants it, and the world below them need not know it exists.
//! Each run has its own thread, so one run's bug never leaks into the next.

#[cfg(feature = "mutations")]
use std::cell::Cell;

/// A way to break the runtime on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mutation {
    /// Let events in while a storage operation is in flight.
    OpenInputGate,
    /// Storage accepts access and commits from stale epochs.
    SkipFencing,
    /// Output leaves without waiting for the writes before it.
    EarlyOutput,
    /// A stub's next-but-one call starts before its next.
    ReorderDelivery,
    /// Now and then a reply is dropped silently: its caller waits forever.
    LoseResponse,
    /// A crash loses a confirmed write as well.
    DropConfirmedWrite,
    /// A crash keeps the first write of a batch it drops.
    PartialBatch,
    /// An alarm's try starts a second, overlapping try of itself.
    AlarmOverlap,
    /// A successful alarm handler's alarm is deleted whenever it still holds
    /// the handler's time, even when the handler set it again to that time
    /// (`get_alarm` hides it too): the alarm the handler set is lost.
    AlarmClearByTime,
    /// An alarm still set, after a successful try, for the very time that
    /// try ran for (the handler set it again to that time) never runs again.
    AlarmNoRerun,
    /// A socket's next-but-one message is handed to the object first.
    WsReorder,
    /// Hibernation forgets the sockets' attachments.
    DropAttachmentOnHibernate,
    /// A queue silently loses a message it should retry.
    QueueDropOnRetry,
    /// A KV namespace's cached copies never expire: a location keeps
    /// reading an old value forever (the `kv_staleness` monitor fires).
    KvStaleForever,
    /// A bucket serves a key's previous version for a while after a write.
    BucketStaleRead,
    /// Frames the object sends before the client's `connect` resolves
    /// share one waker slot: only the last goes on, the earlier ones (and
    /// so everything after them) never reach the client.
    WsWakeLastWaiter,
    /// An agent sets its alarm to its latest schedule, not its earliest.
    AgentAlarmLatest,
    /// An agent pushes its state only to the connections this instance
    /// accepted, forgetting those restored after hibernation.
    AgentPushMemoryConnections,
}

impl Mutation {
    /// Every switch, for listing and parsing.
    pub const ALL: &'static [Mutation] = &[
        Mutation::OpenInputGate,
        Mutation::SkipFencing,
        Mutation::EarlyOutput,
        Mutation::ReorderDelivery,
        Mutation::LoseResponse,
        Mutation::DropConfirmedWrite,
        Mutation::PartialBatch,
        Mutation::AlarmOverlap,
        Mutation::AlarmClearByTime,
        Mutation::AlarmNoRerun,
        Mutation::WsReorder,
        Mutation::DropAttachmentOnHibernate,
        Mutation::QueueDropOnRetry,
        Mutation::KvStaleForever,
        Mutation::BucketStaleRead,
        Mutation::WsWakeLastWaiter,
        Mutation::AgentAlarmLatest,
        Mutation::AgentPushMemoryConnections,
    ];

    /// The name used in `DOSIM_MUTATION`.
    pub fn name(self) -> &'static str {
        match self {
            Mutation::OpenInputGate => "open_input_gate",
            Mutation::SkipFencing => "skip_fencing",
            Mutation::EarlyOutput => "early_output",
            Mutation::ReorderDelivery => "reorder_delivery",
            Mutation::LoseResponse => "lose_response",
            Mutation::DropConfirmedWrite => "drop_confirmed_write",
            Mutation::PartialBatch => "partial_batch",
            Mutation::AlarmOverlap => "alarm_overlap",
            Mutation::AlarmClearByTime => "alarm_clear_by_time",
            Mutation::AlarmNoRerun => "alarm_no_rerun",
            Mutation::WsReorder => "ws_reorder",
            Mutation::DropAttachmentOnHibernate => "drop_attachment_on_hibernate",
            Mutation::QueueDropOnRetry => "queue_drop_on_retry",
            Mutation::KvStaleForever => "kv_stale_forever",
            Mutation::BucketStaleRead => "bucket_stale_read",
            Mutation::WsWakeLastWaiter => "ws_wake_last_waiter",
            Mutation::AgentAlarmLatest => "agent_alarm_latest",
            Mutation::AgentPushMemoryConnections => "agent_push_memory_connections",
        }
    }
}

#[cfg(feature = "mutations")]
thread_local! {
    static PLANTED: Cell<Option<Mutation>> = const { Cell::new(None) };
}

/// Plants `m` in the run on this thread until the guard drops.
#[cfg(feature = "mutations")]
pub(crate) fn plant(m: Option<Mutation>) -> impl Drop {
    struct Uproot;
    impl Drop for Uproot {
        fn drop(&mut self) {
            PLANTED.with(|p| p.set(None));
        }
    }
    PLANTED.with(|p| p.set(m));
    Uproot
}

/// Plants nothing: without the `mutations` feature there are no bugs.
#[cfg(not(feature = "mutations"))]
pub(crate) fn plant(_m: Option<Mutation>) -> impl Drop {
    struct Uproot;
    impl Drop for Uproot {
        fn drop(&mut self) {}
    }
    Uproot
}

/// Whether `m` is switched on in the run on this thread.
#[cfg(feature = "mutations")]
pub(crate) fn active(m: Mutation) -> bool {
    PLANTED.with(|p| p.get() == Some(m))
}

/// Whether `m` is switched on: never, without the `mutations` feature.
#[cfg(not(feature = "mutations"))]
#[inline(always)]
pub(crate) fn active(_m: Mutation) -> bool {
    false
}

#[cfg(all(test, feature = "mutations"))]
mod tests {
    use super::*;

    #[test]
    fn a_planted_bug_is_active_until_its_guard_drops() {
        assert!(!active(Mutation::SkipFencing));
        {
            let _planted = plant(Some(Mutation::SkipFencing));
            assert!(active(Mutation::SkipFencing));
            assert!(!active(Mutation::EarlyOutput));
        }
        assert!(!active(Mutation::SkipFencing));
    }
}
