//! `ScheduledTime`: when an alarm should fire, as a point on the simulated
//! wall clock or as a delay from now.
//!
//! A delay is turned into a time when the alarm is set, against the
//! simulated clock, so "in 30 s" means 30 s of simulated time after the
//! `set_alarm` call, whatever the seed.

use std::time::{Duration, SystemTime};

/// When an alarm fires: a [`SystemTime`] or a [`Duration`] from now.
/// [`Storage::set_alarm`](crate::Storage::set_alarm) takes either.
///
/// ```
/// use std::time::Duration;
/// use dosim::ScheduledTime;
///
/// let soon: ScheduledTime = Duration::from_secs(30).into();
/// assert_eq!(soon, ScheduledTime::after(Duration::from_secs(30)));
/// let then: ScheduledTime = std::time::UNIX_EPOCH.into();
/// assert_eq!(then, ScheduledTime::at(std::time::UNIX_EPOCH));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScheduledTime(When);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum When {
    At(SystemTime),
    After(Duration),
}

impl ScheduledTime {
    /// At `time` on the simulated wall clock (see [`now`](crate::now)).
    pub fn at(time: SystemTime) -> ScheduledTime {
        ScheduledTime(When::At(time))
    }

    /// `delay` after the moment the alarm is set.
    pub fn after(delay: Duration) -> ScheduledTime {
        ScheduledTime(When::After(delay))
    }

    /// The time, given the simulated wall clock's `now`.
    pub(crate) fn resolve(self, now: SystemTime) -> SystemTime {
        match self.0 {
            When::At(time) => time,
            When::After(delay) => now + delay,
        }
    }
}

impl From<SystemTime> for ScheduledTime {
    fn from(time: SystemTime) -> ScheduledTime {
        ScheduledTime::at(time)
    }
}

impl From<Duration> for ScheduledTime {
    fn from(delay: Duration) -> ScheduledTime {
        ScheduledTime::after(delay)
    }
}
