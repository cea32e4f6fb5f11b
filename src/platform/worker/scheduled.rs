//! What a Worker's `scheduled` handler is told about its cron trigger.

use std::time::SystemTime;

/// One firing of a cron trigger.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScheduledEvent {
    /// The cron expression that fired, as it was configured.
    pub cron: String,
    /// When the trigger was due (simulated wall-clock time).
    pub scheduled_time: SystemTime,
}

impl ScheduledEvent {
    pub(crate) fn new(cron: impl Into<String>, scheduled_time: SystemTime) -> ScheduledEvent {
        ScheduledEvent {
            cron: cron.into(),
            scheduled_time,
        }
    }
}
