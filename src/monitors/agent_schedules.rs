//! `agent_schedules`: an agent's schedules run as the agents layer
//! promises.
//!
//! From the events the agents layer records, with the runtime's alarm and
//! batch events, per object:
//! - the alarm an agent arms is never later than its earliest pending
//!   schedule or queued task;
//! - a one-shot schedule that ran in an alarm try whose writes were
//!   confirmed (the try ended well) never runs again;
//! - in a run that reached its liveness phase, every schedule whose
//!   creation was confirmed, and which was due more than [`SLACK_NS`]
//!   before the end, ran at least once (or was cancelled).

use std::collections::{BTreeMap, BTreeSet};

use super::per_object::PerObject;
use super::Violation;
use crate::sim::clock::{format_sim_time, SIM_START_UNIX_MS};
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "agent_schedules";

/// The events every violation starts from: a trace with none of them (no
/// agent schedules anything) cannot break this invariant.
pub(crate) fn concerns(w: &What) -> bool {
    matches!(
        w,
        What::AgentAlarmArmed { .. }
            | What::AgentScheduleAdded { .. }
            | What::AgentScheduleRan { .. }
    )
}

/// Late by this much, a due schedule that never ran is a violation: room
/// for the alarm's retries with their backoff (2 + 4 + … + 64 s).
pub const SLACK_NS: u64 = 300_000_000_000;

/// A schedule's creation, until its batch is confirmed.
struct Added {
    schedule: u64,
    due_ms: i64,
    epoch: u32,
    index: usize,
    /// The batch that took the write, once it closed.
    batch: Option<u64>,
}

#[derive(Default)]
struct Agent {
    unconfirmed: Vec<Added>,
    /// Confirmed schedules that have not run: due time, creation index.
    waiting: BTreeMap<u64, (i64, usize)>,
    /// One-shot schedules the running alarm try ran.
    ran_this_try: Vec<u64>,
    /// One-shot schedules a confirmed try ran.
    done: BTreeSet<u64>,
}

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    let mut agents: PerObject<Agent> = PerObject::for_trace(trace);
    let mut liveness = false;
    for (i, e) in trace.iter().enumerate() {
        if matches!(e.what, What::LivenessPhase) {
            liveness = true;
        }
        let Some(obj) = e.obj else { continue };
        let a = agents.entry(obj);
        match &e.what {
            What::AgentAlarmArmed {
                at_ms,
                earliest_ms: Some(earliest),
            } if at_ms.is_none_or(|at| at > *earliest) => {
                return Some(Violation::at(
                    NAME,
                    i,
                    e,
                    format!(
                        "object #{} set its alarm to {}, later than its earliest schedule, due \
                         at {}",
                        obj.0,
                        at_ms.map_or("nothing".to_string(), sim_time_of_ms),
                        sim_time_of_ms(*earliest)
                    ),
                ));
            }
            What::AgentScheduleAdded { schedule, due_ms } => a.unconfirmed.push(Added {
                schedule: *schedule,
                due_ms: *due_ms,
                epoch: e.epoch,
                index: i,
                batch: None,
            }),
            What::BatchClosed { batch } => {
                for added in a.unconfirmed.iter_mut() {
                    if added.epoch == e.epoch && added.batch.is_none() {
                        added.batch = Some(*batch);
                    }
                }
            }
            What::BatchConfirmed { batch } => {
                let (confirmed, rest) = std::mem::take(&mut a.unconfirmed)
                    .into_iter()
                    .partition(|added| added.batch.is_some_and(|b| b <= *batch));
                a.unconfirmed = rest;
                for added in confirmed.into_iter().collect::<Vec<Added>>() {
                    a.waiting
                        .insert(added.schedule, (added.due_ms, added.index));
                }
            }
            What::AlarmStarted { .. } => a.ran_this_try.clear(),
            What::AlarmEnded { ok: true, .. } => {
                let ran = std::mem::take(&mut a.ran_this_try);
                a.done.extend(ran);
            }
            What::AgentScheduleRan {
                schedule, one_shot, ..
            } => {
                if *one_shot && a.done.contains(schedule) {
                    return Some(Violation::at(
                        NAME,
                        i,
                        e,
                        format!(
                            "object #{} ran one-shot schedule {schedule} again, after an alarm \
                             confirmed it done",
                            obj.0
                        ),
                    ));
                }
                a.waiting.remove(schedule);
                a.unconfirmed.retain(|added| added.schedule != *schedule);
                if *one_shot {
                    a.ran_this_try.push(*schedule);
                }
            }
            What::AgentScheduleCancelled { schedule } => {
                a.waiting.remove(schedule);
                a.unconfirmed.retain(|added| added.schedule != *schedule);
            }
            _ => {}
        }
    }
    if !liveness {
        return None;
    }
    let end = trace.last().map_or(0, |e| e.t);
    let (obj, schedule, due_ms, index) = agents
        .iter()
        .flat_map(|(obj, a)| {
            a.waiting
                .iter()
                .map(move |(s, (due, index))| (obj, *s, *due, *index))
        })
        .filter(|(_, _, due, _)| ns_of_unix_ms(*due).saturating_add(SLACK_NS) < end)
        .min_by_key(|(_, _, _, index)| *index)?;
    Some(Violation::at(
        NAME,
        index,
        &trace[index],
        format!(
            "object #{}'s schedule {schedule}, due at {}, never ran (the run ended at {})",
            obj.0,
            sim_time_of_ms(due_ms),
            format_sim_time(end)
        ),
    ))
}

fn ns_of_unix_ms(ms: i64) -> u64 {
    u64::try_from(ms - SIM_START_UNIX_MS).unwrap_or(0) * 1_000_000
}

fn sim_time_of_ms(ms: i64) -> String {
    format_sim_time(ns_of_unix_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;

    const S: u64 = 1_000_000_000;

    fn ms(s: i64) -> i64 {
        SIM_START_UNIX_MS + s * 1000
    }

    #[test]
    fn an_alarm_later_than_the_earliest_schedule_is_caught() {
        let trace = vec![ev(
            S,
            What::AgentAlarmArmed {
                at_ms: Some(ms(20)),
                earliest_ms: Some(ms(10)),
            },
        )];
        let v = check(&trace).expect("a late alarm");
        assert!(
            v.message.contains("later than its earliest"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_one_shot_run_again_after_a_confirmed_try_is_caught() {
        let ran = What::AgentScheduleRan {
            schedule: 3,
            due_ms: ms(1),
            one_shot: true,
            ok: true,
        };
        let started = What::AlarmStarted {
            event: 1,
            scheduled_ms: ms(1),
            retry_count: 0,
        };
        let ended = What::AlarmEnded {
            scheduled_ms: ms(1),
            retry_count: 0,
            ok: true,
        };
        let trace = vec![
            ev(S, started.clone()),
            ev(S, ran.clone()),
            ev(S, ended),
            ev(2 * S, started),
            ev(2 * S, ran),
        ];
        assert_eq!(check(&trace).expect("a second run").event_index, 4);
    }

    #[test]
    fn a_confirmed_schedule_that_never_ran_is_caught_only_after_liveness() {
        let mut trace = vec![
            ev(
                S,
                What::AgentScheduleAdded {
                    schedule: 1,
                    due_ms: ms(2),
                },
            ),
            ev(S, What::BatchClosed { batch: 4 }),
            ev(S, What::BatchConfirmed { batch: 4 }),
            ev(400 * S, What::Note { text: "end".into() }),
        ];
        assert_eq!(check(&trace), None);
        trace.insert(3, ev(3 * S, What::LivenessPhase));
        assert!(check(&trace)
            .expect("never ran")
            .message
            .contains("never ran"));
    }

    #[test]
    fn an_unconfirmed_schedule_owes_nothing() {
        let trace = vec![
            ev(
                S,
                What::AgentScheduleAdded {
                    schedule: 1,
                    due_ms: ms(2),
                },
            ),
            ev(3 * S, What::LivenessPhase),
            ev(400 * S, What::Note { text: "end".into() }),
        ];
        assert_eq!(check(&trace), None);
    }
}
