//! Cron triggers: a Worker's `scheduled` handler called at each due time.
//!
//! Expressions are the five-field form the platform accepts (minute, hour,
//! day of month, month, day of week), evaluated in UTC against the
//! simulated wall clock, never the machine's. Each firing is an invocation
//! of its own at the world's first client location (production runs cron
//! triggers wherever it has spare capacity; one fixed place keeps runs
//! reproducible). A firing that fails is recorded and not retried, as in
//! production; a slow firing does not delay the next one.

use std::rc::Rc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use super::class::WorkerClass;
use super::invocation::Invocation;
use super::ScheduledEvent;
use crate::runtime::error::{Error, Result};
use crate::runtime::runtime::Runtime;
use crate::runtime::time::now_unix_ms;
use crate::sim::world::spawn_task;

/// A parsed cron expression.
pub(crate) struct Schedule {
    expression: String,
    cron: croner::Cron,
}

impl Schedule {
    /// Parses `expression`; a clear error names it and says what is wrong.
    pub(crate) fn parse(expression: &str) -> Result<Schedule> {
        let cron = croner::Cron::new(expression).parse().map_err(|e| {
            Error::type_error(format!(
                "invalid cron expression `{expression}`: {e} (expected five fields: \
                 minute hour day-of-month month day-of-week, e.g. `*/5 * * * *`)"
            ))
        })?;
        Ok(Schedule {
            expression: expression.to_string(),
            cron,
        })
    }

    /// The expression it was parsed from.
    pub(crate) fn expression(&self) -> &str {
        &self.expression
    }

    /// The first due time strictly after `after_ms` (Unix milliseconds).
    pub(crate) fn next_after(&self, after_ms: i64) -> Option<i64> {
        let after = DateTime::<Utc>::from_timestamp_millis(after_ms)?;
        let next = self.cron.find_next_occurrence(&after, false).ok()?;
        Some(next.timestamp_millis())
    }
}

/// Fires `schedule` on `class` until the run ends.
pub(crate) fn start(rt: Rc<Runtime>, class: Rc<WorkerClass>, schedule: Schedule) {
    let world = rt.world.clone();
    let Some(at) = world.config().clients().next() else {
        return;
    };
    spawn_task(&world.clone(), async move {
        let mut after = now_unix_ms(&world);
        while let Some(due) = schedule.next_after(after) {
            let wait = u64::try_from(due - now_unix_ms(&world)).unwrap_or(0);
            crate::runtime::time::sleep(Duration::from_millis(wait)).await;
            after = due;
            let scheduled_time = unix_ms_to_system_time(due);
            let event = ScheduledEvent::new(schedule.expression.clone(), scheduled_time);
            let invocation = Invocation {
                rt: rt.clone(),
                class: class.clone(),
                at,
            };
            let trigger = format!("cron {}", schedule.expression);
            let handler = class.clone();
            spawn_task(&world, async move {
                // Recorded in the trace by the invocation; not retried.
                let _ = invocation
                    .run(
                        trigger,
                        move |env, ctx| (handler.scheduled)(event, env, ctx),
                        |_: &()| None,
                    )
                    .await;
            });
        }
    });
}

fn unix_ms_to_system_time(ms: i64) -> SystemTime {
    match u64::try_from(ms) {
        Ok(ms) => SystemTime::UNIX_EPOCH + Duration::from_millis(ms),
        Err(_) => SystemTime::UNIX_EPOCH,
    }
}
