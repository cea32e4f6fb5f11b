//! `single_instance`: one id, one instance — no two instances of an object
//! both commit, or both release output, over overlapping epochs.
//!
//! Once the instance with epoch `e` of an object is created, every older
//! instance of it is stale: from that moment on, a batch confirmed for an
//! older epoch, or output released by one, means two instances acted at
//! once. Fencing (storage refuses stale epochs, a stale output gate is
//! broken) is what prevents it; this monitor checks it from the trace.

use super::pass::{self, Pass};
use super::per_object::PerObject;
use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{ObjectRef, TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "single_instance";

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    pass::run::<SingleInstance>(trace)
}

/// The monitor as a pass: each object's newest epoch and when it began.
pub(crate) struct SingleInstance {
    newest: PerObject<Option<(u32, u64)>>,
}

impl Pass for SingleInstance {
    fn new(trace: &[TraceEntry]) -> Self {
        SingleInstance {
            newest: PerObject::for_trace(trace),
        }
    }

    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation> {
        let obj = e.obj?;
        match &e.what {
            What::InstanceCreated => {
                *self.newest.entry(obj) = Some((e.epoch, e.t));
                None
            }
            What::BatchConfirmed { batch } => {
                let newest = *self.newest.entry(obj);
                stale(newest, obj, e, i, || format!("committed batch {batch}"))
            }
            What::OutputReleased { event, .. } => {
                let newest = *self.newest.entry(obj);
                stale(newest, obj, e, i, || {
                    format!("released output of event {event}")
                })
            }
            _ => None,
        }
    }
}

/// The violation if `e` comes from an instance older than the newest;
/// `did` says what it did, and is only built for a violation (this runs
/// for every commit and every release of a run).
fn stale(
    newest: Option<(u32, u64)>,
    obj: ObjectRef,
    e: &TraceEntry,
    index: usize,
    did: impl FnOnce() -> String,
) -> Option<Violation> {
    let (epoch, since) = newest?;
    (e.epoch < epoch).then(|| {
        Violation::at(
            NAME,
            index,
            e,
            format!(
                "object #{} epoch {} {} at t={}, after epoch {epoch} took over at t={}",
                obj.0,
                e.epoch,
                did(),
                format_sim_time(e.t),
                format_sim_time(since)
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world_config::LocationId;

    fn ev(t: u64, epoch: u32, what: What) -> TraceEntry {
        TraceEntry {
            t,
            at: LocationId(0),
            obj: Some(ObjectRef(0)),
            epoch,
            what,
        }
    }

    #[test]
    fn successive_epochs_pass() {
        let trace = vec![
            ev(1, 1, What::InstanceCreated),
            ev(2, 1, What::BatchConfirmed { batch: 1 }),
            ev(3, 1, What::OutputReleased { event: 1, batch: 1 }),
            ev(4, 2, What::InstanceCreated),
            ev(5, 2, What::BatchConfirmed { batch: 2 }),
            ev(6, 2, What::OutputReleased { event: 2, batch: 2 }),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn a_stale_commit_is_caught() {
        let trace = vec![
            ev(1, 1, What::InstanceCreated),
            ev(4, 2, What::InstanceCreated),
            ev(5, 1, What::BatchConfirmed { batch: 3 }),
        ];
        let v = check(&trace).expect("violation");
        assert_eq!(v.monitor, "single_instance");
        assert_eq!(v.event_index, 2);
        assert!(
            v.message.contains("epoch 1 committed batch 3"),
            "{}",
            v.message
        );
        assert!(
            v.message.contains("after epoch 2 took over"),
            "{}",
            v.message
        );
    }

    #[test]
    fn stale_output_is_caught() {
        let trace = vec![
            ev(1, 1, What::InstanceCreated),
            ev(4, 2, What::InstanceCreated),
            ev(5, 1, What::OutputReleased { event: 9, batch: 0 }),
        ];
        let v = check(&trace).expect("violation");
        assert!(
            v.message.contains("released output of event 9"),
            "{}",
            v.message
        );
    }
}
