//! A number for each kind of trace event, for code that dispatches on
//! the kind alone: the monitors' walk works out once per kind which of its
//! passes read an event, instead of asking every pass about every event.

use super::event::What;

impl What {
    /// How many kinds of event there are.
    pub(crate) const KINDS: usize = 76;

    /// This event's kind, in `0..What::KINDS`: the variant's place in the
    /// enum's declaration. Only the variant counts, never its fields.
    pub(crate) fn kind(&self) -> usize {
        match self {
            What::RunStarted { .. } => 0,
            What::ObjectNamed { .. } => 1,
            What::CallSent { .. } => 2,
            What::CallDelivered { .. } => 3,
            What::AlarmScheduled { .. } => 4,
            What::AlarmStarted { .. } => 5,
            What::AlarmEnded { .. } => 6,
            What::AlarmAbandoned { .. } => 7,
            What::AlarmWritten { .. } => 8,
            What::AlarmRetired { .. } => 9,
            What::SocketOpened { .. } => 10,
            What::SocketAccepted { .. } => 11,
            What::SocketAttachment { .. } => 12,
            What::SocketRestored { .. } => 13,
            What::SocketSent { .. } => 14,
            What::SocketDelivered { .. } => 15,
            What::SocketAutoResponse { .. } => 16,
            What::SocketClosed { .. } => 17,
            What::ReplyReceived { .. } => 18,
            What::InstanceCreated => 19,
            What::InstanceEnded { .. } => 20,
            What::EventStarted { .. } => 21,
            What::EventAwaited { .. } => 22,
            What::EventResumed { .. } => 23,
            What::EventEnded { .. } => 24,
            What::Panicked { .. } => 25,
            What::StorageStarted { .. } => 26,
            What::StorageEnded { .. } => 27,
            What::StorageWrote { .. } => 28,
            What::StorageWiped { .. } => 29,
            What::StorageRolledBack { .. } => 30,
            What::StorageRestored { .. } => 31,
            What::StorageDigest { .. } => 32,
            What::BatchClosed { .. } => 33,
            What::BatchConfirmed { .. } => 34,
            What::OutputHeld { .. } => 35,
            What::OutputReleased { .. } => 36,
            What::FaultsPlanned { .. } => 37,
            What::FaultInjected { .. } => 38,
            What::FaultHealed { .. } => 39,
            What::WorldHealed => 40,
            What::LivenessPhase => 41,
            What::CallAbandoned { .. } => 42,
            What::CallRetried { .. } => 43,
            What::MessageDropped { .. } => 44,
            What::Note { .. } => 45,
            What::ServiceCalled { .. } => 46,
            What::ServiceHandled { .. } => 47,
            What::ServiceAnswered { .. } => 48,
            What::QueueSent { .. } => 49,
            What::QueueDelivered { .. } => 50,
            What::QueueAcked { .. } => 51,
            What::QueueRetried { .. } => 52,
            What::QueueDeadLettered { .. } => 53,
            What::QueueDropped { .. } => 54,
            What::WorkerStarted { .. } => 55,
            What::WorkerEnded { .. } => 56,
            What::WaitUntilCancelled { .. } => 57,
            What::IdleEvicted { .. } => 58,
            What::KvWritten { .. } => 59,
            What::KvRead { .. } => 60,
            What::BucketSent { .. } => 61,
            What::BucketAnswered { .. } => 62,
            What::SocketConnected { .. } => 63,
            What::SocketArrived { .. } => 64,
            What::DeadlinePassed => 65,
            What::StorageRead { .. } => 66,
            What::Focus { .. } => 67,
            What::AgentAlarmArmed { .. } => 68,
            What::AgentScheduleAdded { .. } => 69,
            What::AgentScheduleRan { .. } => 70,
            What::AgentStateSaved { .. } => 71,
            What::AgentStateLoaded { .. } => 72,
            What::AgentStateReceived { .. } => 73,
            What::AgentScheduleCancelled { .. } => 74,
            What::JsLogged { .. } => 75,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Cause, Outcome};

    #[test]
    fn kinds_tell_variants_apart_and_stay_in_range() {
        let events = [
            What::RunStarted { seed: 1 },
            What::RunStarted { seed: 2 },
            What::InstanceCreated,
            What::EventStarted {
                event: 1,
                cause: Cause::Alarm,
            },
            What::EventEnded {
                event: 1,
                outcome: Outcome::Ok,
            },
            What::JsLogged {
                event: 0,
                level: String::new(),
                text: String::new(),
            },
        ];
        let kinds: Vec<usize> = events.iter().map(What::kind).collect();
        assert_eq!(kinds[0], kinds[1], "fields do not count");
        let mut distinct = kinds[1..].to_vec();
        distinct.dedup();
        assert_eq!(distinct.len(), kinds.len() - 1, "{kinds:?}");
        assert!(kinds.iter().all(|k| *k < What::KINDS));
        assert_eq!(
            kinds[5],
            What::KINDS - 1,
            "the last variant has the last kind"
        );
    }
}
