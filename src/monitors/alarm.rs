//! `alarm`: alarms run as the runtime promises (`docs/semantics.md`,
//! "Alarms").
//!
//! From the scheduler's and the instances' trace events, per object:
//! - never early: a try starts no earlier than the time it was due;
//! - never two at once: a try starts only after the previous one ended;
//! - retries on schedule: retry k starts between 2^(k-1) × 2 s and
//!   2^(k-1) × 2.5 s after try k-1 ended (the backoff with its jitter);
//! - at least once: in a run that reached its liveness phase, an alarm
//!   still set at the end and due more than [`SLACK_NS`] before it has
//!   started since it was set (or since its last successful try: an alarm
//!   set again to the same time runs again), and a failed alarm's next
//!   retry (if it has one left) has too;
//! - set again means kept: the runtime deletes ("retires") the alarm after
//!   a successful try only if nobody set or deleted it while the handler
//!   ran. A try during which a transaction rolled back is not judged, as
//!   the trace does not say whether the rollback took an alarm write back.

use super::pass::{self, Pass};
use super::per_object::PerObject;
use super::Violation;
use crate::sim::clock::{format_sim_time, SIM_START_UNIX_MS};
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "alarm";

/// Late by this much, a due alarm that has not started is a violation.
pub const SLACK_NS: u64 = 1_000_000_000;

/// The documented backoff: 2 s before the first retry, doubling; workerd
/// adds up to 25% jitter.
const RETRY_FIRST_NS: u64 = 2_000_000_000;
const RETRIES_MAX: u32 = 6;

#[derive(Default)]
struct Alarm {
    /// The alarm as confirmed batches left it.
    armed: Option<i64>,
    /// Whether a try of `armed` has started.
    started: bool,
    /// The try running now: its start event's index.
    running: Option<usize>,
    /// The last try that ended: when, its retry count, and whether it failed.
    last_end: Option<(u64, u32, bool)>,
    abandoned: Option<i64>,
    /// The last alarm write while the running try ran: its index and time.
    written: Option<(usize, Option<i64>)>,
    /// A transaction rolled back while the running try ran.
    rolled_back: bool,
}

fn unix_ms_at(t_ns: u64) -> i64 {
    SIM_START_UNIX_MS + i64::try_from(t_ns / 1_000_000).unwrap_or(i64::MAX)
}

fn ns_of_unix_ms(ms: i64) -> u64 {
    u64::try_from(ms - SIM_START_UNIX_MS).unwrap_or(0) * 1_000_000
}

fn ms_text(unix_ms: i64) -> String {
    format_sim_time(ns_of_unix_ms(unix_ms))
}

fn backoff_ns(retry: u32) -> (u64, u64) {
    let base = RETRY_FIRST_NS << retry.saturating_sub(1).min(20);
    (base, base + base / 4)
}

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    pass::run::<AlarmPass>(trace)
}

/// The monitor as a pass: each object's alarm, and whether the run
/// reached its liveness phase.
pub(crate) struct AlarmPass {
    alarms: PerObject<Alarm>,
    liveness: bool,
}

impl Pass for AlarmPass {
    fn new(trace: &[TraceEntry]) -> Self {
        AlarmPass {
            alarms: PerObject::for_trace(trace),
            liveness: false,
        }
    }

    /// The kinds `step` matches, and the liveness phase it notes.
    fn reads(what: &What) -> bool {
        matches!(
            what,
            What::LivenessPhase
                | What::AlarmScheduled { .. }
                | What::AlarmStarted { .. }
                | What::AlarmWritten { .. }
                | What::StorageRolledBack { .. }
                | What::AlarmRetired { .. }
                | What::AlarmEnded { .. }
                | What::AlarmAbandoned { .. }
        )
    }

    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation> {
        if matches!(e.what, What::LivenessPhase) {
            self.liveness = true;
        }
        let obj = e.obj?;
        let a = self.alarms.entry(obj);
        match e.what {
            What::AlarmScheduled { at_ms } => {
                if a.armed != at_ms {
                    a.started = false;
                    a.last_end = None;
                }
                a.armed = at_ms;
            }
            What::AlarmStarted {
                scheduled_ms,
                retry_count,
                ..
            } => {
                let v = |m: String| Some(Violation::at(NAME, i, e, m));
                if let Some(first) = a.running {
                    return v(format!(
                        "object #{} started a second try of its alarm (retry {retry_count}) while \
                             the try started at event #{first} was still running",
                        obj.0
                    ));
                }
                if unix_ms_at(e.t) < scheduled_ms {
                    return v(format!(
                        "object #{}'s alarm due at t={} ran early, at t={}",
                        obj.0,
                        format_sim_time(ns_of_unix_ms(scheduled_ms)),
                        format_sim_time(e.t)
                    ));
                }
                if let (Some((ended, prev, true)), true) = (a.last_end, retry_count > 0) {
                    let (lo, hi) = backoff_ns(retry_count);
                    let gap = e.t.saturating_sub(ended);
                    if retry_count != prev + 1 || gap < lo || gap > hi + 1_000_000 {
                        return v(format!(
                            "object #{}'s alarm retry {retry_count} started {} after try {prev} \
                                 failed; the backoff allows {} to {}",
                            obj.0,
                            format_sim_time(gap),
                            format_sim_time(lo),
                            format_sim_time(hi)
                        ));
                    }
                }
                a.running = Some(i);
                a.started = true;
                a.written = None;
                a.rolled_back = false;
            }
            What::AlarmWritten { at_ms, .. } if a.running.is_some() => {
                a.written = Some((i, at_ms));
            }
            What::StorageRolledBack { .. } => a.rolled_back = true,
            What::AlarmRetired { scheduled_ms, .. } => {
                if let (Some((j, at)), false, Some(first)) = (a.written, a.rolled_back, a.running) {
                    let set = match at {
                        Some(at) => format!("set it again, for t={}", ms_text(at)),
                        None => "deleted it".to_string(),
                    };
                    return Some(Violation::at(
                        NAME,
                        i,
                        e,
                        format!(
                            "object #{}'s alarm due at t={} was deleted after its handler (the \
                                 try started at event #{first}) succeeded, though event #{j} {set} \
                                 while the handler ran: an alarm written during its handler is the \
                                 object's, not the runtime's to delete",
                            obj.0,
                            ms_text(scheduled_ms)
                        ),
                    ));
                }
            }
            What::AlarmEnded {
                retry_count, ok, ..
            } => {
                a.running = None;
                a.last_end = Some((e.t, retry_count, !ok));
                if ok {
                    // Still armed after a success means set again: owed a run.
                    a.started = false;
                }
            }
            What::AlarmAbandoned { scheduled_ms } => a.abandoned = Some(scheduled_ms),
            _ => {}
        }
        None
    }

    /// At-least-once: judged at the end, in a run that had its liveness
    /// phase.
    fn end(&mut self, trace: &[TraceEntry]) -> Option<Violation> {
        if !self.liveness {
            return None;
        }
        let end = trace.last().map_or(0, |e| e.t);
        for (obj, a) in self.alarms.iter() {
            let Some(at) = a.armed.filter(|at| a.abandoned != Some(*at)) else {
                continue;
            };
            let due = ns_of_unix_ms(at);
            let overdue = match a.last_end {
                _ if !a.started => (due + SLACK_NS < end).then_some(due),
                Some((ended, retry, true)) if retry < RETRIES_MAX && a.running.is_none() => {
                    let next = ended + backoff_ns(retry + 1).1;
                    (next + SLACK_NS < end).then_some(next)
                }
                _ => None,
            };
            if let Some(when) = overdue {
                let index = trace.len() - 1;
                return Some(Violation::at(
                    NAME,
                    index,
                    &trace[index],
                    format!(
                        "object #{}'s alarm due at t={} was due to run by t={} but had not when the \
                         run ended at t={}",
                        obj.0,
                        format_sim_time(due),
                        format_sim_time(when),
                        format_sim_time(end)
                    ),
                ));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;

    const AT: i64 = SIM_START_UNIX_MS + 1_000;

    fn started(t: u64, retry: u32) -> TraceEntry {
        ev(
            t,
            What::AlarmStarted {
                event: 1,
                scheduled_ms: AT,
                retry_count: retry,
            },
        )
    }

    fn ended(t: u64, retry: u32, ok: bool) -> TraceEntry {
        ev(
            t,
            What::AlarmEnded {
                scheduled_ms: AT,
                retry_count: retry,
                ok,
            },
        )
    }

    fn scheduled(t: u64) -> TraceEntry {
        ev(t, What::AlarmScheduled { at_ms: Some(AT) })
    }

    const S: u64 = 1_000_000_000;

    #[test]
    fn a_try_on_time_and_retries_on_schedule_pass() {
        let trace = vec![
            scheduled(0),
            started(S, 0),
            ended(S + 10, 0, false),
            started(S + 10 + 2 * S + S / 10, 1),
            ended(4 * S, 1, true),
            ev(4 * S, What::AlarmScheduled { at_ms: None }),
            ev(5 * S, What::LivenessPhase),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn an_early_try_is_caught() {
        let v = check(&[scheduled(0), started(S / 2, 0)]).expect("violation");
        assert!(v.message.contains("ran early"), "{}", v.message);
    }

    #[test]
    fn two_tries_at_once_are_caught() {
        let v = check(&[scheduled(0), started(S, 0), started(S + 1_000_000, 0)]).expect("v");
        assert!(v.message.contains("second try"), "{}", v.message);
    }

    #[test]
    fn a_retry_off_schedule_is_caught() {
        let trace = [
            scheduled(0),
            started(S, 0),
            ended(S, 0, false),
            started(3 * S, 1),
        ];
        assert_eq!(check(&trace), None, "2 s later is on schedule");
        let trace = [
            scheduled(0),
            started(S, 0),
            ended(S, 0, false),
            started(S + S / 2, 1),
        ];
        let v = check(&trace).expect("violation");
        assert!(v.message.contains("backoff allows"), "{}", v.message);
    }

    #[test]
    fn an_alarm_that_never_ran_is_caught_only_after_the_liveness_phase() {
        let trace = vec![scheduled(0), ev(10 * S, What::Note { text: "x".into() })];
        assert_eq!(check(&trace), None);
        let mut trace = trace;
        trace.push(ev(10 * S, What::LivenessPhase));
        let v = check(&trace).expect("violation");
        assert!(
            v.message.contains("had not when the run ended"),
            "{}",
            v.message
        );
    }

    fn written(t: u64, at_ms: Option<i64>) -> TraceEntry {
        ev(
            t,
            What::AlarmWritten {
                event: 1,
                batch: 1,
                at_ms,
            },
        )
    }

    fn retired(t: u64) -> TraceEntry {
        ev(
            t,
            What::AlarmRetired {
                event: 1,
                batch: 1,
                scheduled_ms: AT,
            },
        )
    }

    #[test]
    fn retiring_an_alarm_nobody_wrote_during_its_handler_passes() {
        let trace = [
            scheduled(0),
            started(S, 0),
            retired(S + 5),
            ended(S + 10, 0, true),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn retiring_an_alarm_set_again_during_its_handler_is_caught() {
        let trace = [
            scheduled(0),
            started(S, 0),
            written(S + 1, Some(AT)),
            retired(S + 5),
        ];
        let v = check(&trace).expect("violation");
        assert!(v.message.contains("set it again"), "{}", v.message);
        assert!(v.message.contains("event #2"), "{}", v.message);
    }

    #[test]
    fn a_write_a_rollback_may_have_taken_back_is_not_judged() {
        let rollback = ev(
            S + 2,
            What::StorageRolledBack {
                event: 1,
                batch: 1,
                kept: 0,
            },
        );
        let trace = [
            scheduled(0),
            started(S, 0),
            written(S + 1, Some(AT)),
            rollback,
            retired(S + 5),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn an_alarm_still_set_after_a_successful_try_is_owed_another() {
        // Set again to the same time: no `AlarmScheduled`, as the confirmed
        // alarm did not change.
        let mut trace = vec![
            scheduled(0),
            started(S, 0),
            written(S + 1, Some(AT)),
            ended(S + 10, 0, true),
            ev(10 * S, What::LivenessPhase),
        ];
        let v = check(&trace).expect("violation");
        assert!(
            v.message.contains("had not when the run ended"),
            "{}",
            v.message
        );
        trace.insert(4, started(S + 20, 0));
        trace.insert(5, ended(S + 30, 0, true));
        trace.insert(6, ev(S + 30, What::AlarmScheduled { at_ms: None }));
        assert_eq!(check(&trace), None, "ran again, then retired");
    }
}
