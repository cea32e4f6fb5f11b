//! A failure's story: of a failed run's trace, the few events that explain
//! it, in order, for the report's first screen and the view.
//!
//! The story follows one object: the one whose event a monitor flagged, or
//! else the callee of the last call the test made (the call whose answer
//! broke the property), or the only object of the run. It picks, with the
//! most telling first:
//! 1. a lost update: an event read a key, another event wrote the key, and
//!    the first event then wrote it from its stale read (both reads, with
//!    their values, and both writes);
//! 2. the flagged event, for a monitor's failure;
//! 3. the object's lifecycle — instances started and ended (evicted,
//!    hibernated, crashed), idle evictions — and faults on the hosts it
//!    ran on, and the test's notes.
//!
//! Only [`STORY_EVENTS_MAX`] events are kept (the most telling, then the
//! earliest), so the story fits above the rest of the report. A story is a
//! function of the trace alone, and picking it costs nothing while the run
//! records.

use std::collections::{BTreeMap, BTreeSet};

use crate::sim::world_config::WorldConfig;
use crate::trace::{EndReason, Excerpt, ObjectRef, TraceEntry, What};

/// The most events a story shows.
pub const STORY_EVENTS_MAX: usize = 10;

/// The events that explain a failure: trace indices, in trace order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Story {
    /// The object it follows.
    pub(crate) object: Option<ObjectRef>,
    /// What it found, in a few words (`a lost update of count`).
    pub(crate) headline: String,
    /// The events, by index into the trace.
    pub(crate) events: Vec<usize>,
}

/// The story of a run whose trace is `trace`; `flagged` is the event a
/// monitor named, if one did.
pub(crate) fn story(trace: &[TraceEntry], flagged: Option<usize>, world: &WorldConfig) -> Story {
    let Some(object) = followed(trace, flagged) else {
        return Story::default();
    };
    let mut picked: Vec<(u8, usize)> = Vec::new();
    let lost = lost_update(trace, object);
    let headline = match &lost {
        Some(l) => format!(
            "a lost update of {}: event {} wrote it from a stale read",
            l.key, l.stale_event
        ),
        None => "its instances, the faults that hit it, and the test's notes".to_string(),
    };
    if let Some(l) = lost {
        picked.extend(l.events.iter().map(|&i| (0, i)));
    }
    if let Some(i) = flagged.filter(|&i| i < trace.len()) {
        picked.push((1, i));
    }
    picked.extend(lifecycle(trace, object, world).into_iter().map(|i| (2, i)));
    picked.sort();
    let mut events: Vec<usize> = picked.into_iter().map(|(_, i)| i).collect();
    let mut seen = BTreeSet::new();
    events.retain(|i| seen.insert(*i));
    events.truncate(STORY_EVENTS_MAX);
    events.sort_unstable();
    Story {
        object: Some(object),
        headline,
        events,
    }
}

/// The object the story follows.
fn followed(trace: &[TraceEntry], flagged: Option<usize>) -> Option<ObjectRef> {
    if let Some(obj) = flagged.and_then(|i| trace.get(i)).and_then(|e| e.obj) {
        return Some(obj);
    }
    let last_call = trace.iter().rev().find_map(|e| match e.what {
        What::CallSent { .. } | What::ReplyReceived { .. } => e.obj,
        _ => None,
    });
    last_call.or_else(|| {
        let mut objects = trace.iter().filter_map(|e| e.obj);
        let first = objects.next()?;
        objects.all(|o| o == first).then_some(first)
    })
}

/// A read that a later write of the same key by another event made stale.
struct LostUpdate {
    key: Excerpt,
    stale_event: u64,
    /// Both reads and both writes, by index.
    events: Vec<usize>,
}

/// The first lost update on `object`: event A reads a key, event B writes
/// it (B's own read of it shown too), then A writes it.
fn lost_update(trace: &[TraceEntry], object: ObjectRef) -> Option<LostUpdate> {
    // Per key: reads not yet followed by their event's write, each with
    // the write that made it stale (and that writer's read), if one did.
    type Pending = BTreeMap<u64, (usize, Option<(usize, Option<usize>)>)>;
    let mut pending: BTreeMap<&[u8], Pending> = BTreeMap::new();
    for (i, e) in trace.iter().enumerate() {
        if e.obj != Some(object) {
            continue;
        }
        match &e.what {
            What::StorageRead {
                event, key_text, ..
            } => {
                pending
                    .entry(key_text.bytes())
                    .or_default()
                    .entry(*event)
                    .or_insert((i, None));
            }
            What::StorageWrote {
                event,
                key_text: Some(key),
                ..
            } => {
                let Some(reads) = pending.get_mut(key.bytes()) else {
                    continue;
                };
                let own = reads.remove(event);
                if let Some((read, Some((write, other_read)))) = own {
                    let mut events = vec![read, write, i];
                    events.extend(other_read);
                    events.sort_unstable();
                    return Some(LostUpdate {
                        key: key.clone(),
                        stale_event: *event,
                        events,
                    });
                }
                let writer_read = own.map(|(r, _)| r);
                for (_, stale) in reads.values_mut().filter(|(_, s)| s.is_none()) {
                    *stale = Some((i, writer_read));
                }
            }
            What::InstanceEnded { .. } => pending.clear(),
            _ => {}
        }
    }
    None
}

/// The object's lifecycle, the faults on its hosts, and the notes.
fn lifecycle(trace: &[TraceEntry], object: ObjectRef, world: &WorldConfig) -> Vec<usize> {
    let hosts: BTreeSet<&str> = trace
        .iter()
        .filter(|e| e.obj == Some(object) && e.epoch > 0)
        .filter_map(|e| world.locations().get(e.at.0 as usize))
        .map(|l| l.name.as_str())
        .collect();
    trace
        .iter()
        .enumerate()
        .filter(|(_, e)| match &e.what {
            What::InstanceCreated | What::IdleEvicted { .. } => e.obj == Some(object),
            What::InstanceEnded { reason } => {
                e.obj == Some(object) && *reason != EndReason::RunEnded
            }
            What::FaultInjected { target, .. } => {
                e.obj == Some(object) || hosts.iter().any(|h| target.contains(h))
            }
            What::Note { .. } => true,
            _ => false,
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world_config::LocationId;

    fn at(t: u64, what: What) -> TraceEntry {
        TraceEntry {
            t,
            at: LocationId(0),
            obj: Some(ObjectRef(0)),
            epoch: 1,
            what,
        }
    }

    fn read(event: u64, value: &str) -> What {
        What::StorageRead {
            event,
            key_text: Excerpt::new(b"count"),
            value_text: Some(Excerpt::new(value.as_bytes())),
        }
    }

    fn wrote(event: u64, value: &str) -> What {
        What::StorageWrote {
            event,
            batch: event,
            key: 1,
            value: Some(2),
            key_text: Some(Excerpt::new(b"count")),
            value_text: Some(Excerpt::new(value.as_bytes())),
        }
    }

    #[test]
    fn two_reads_of_one_value_and_two_writes_are_a_lost_update() {
        let trace = vec![
            at(0, What::InstanceCreated),
            at(1, read(1, "4")),
            at(2, read(2, "4")),
            at(3, wrote(1, "5")),
            at(4, wrote(2, "5")),
            at(
                5,
                What::InstanceEnded {
                    reason: EndReason::RunEnded,
                },
            ),
        ];
        let s = story(&trace, None, &WorldConfig::default());
        assert_eq!(s.object, Some(ObjectRef(0)));
        assert_eq!(s.events, vec![0, 1, 2, 3, 4]);
        assert!(
            s.headline.contains("lost update of count"),
            "{}",
            s.headline
        );
    }

    #[test]
    fn a_read_then_write_by_one_event_at_a_time_is_no_lost_update() {
        let trace = vec![
            at(1, read(1, "4")),
            at(2, wrote(1, "5")),
            at(3, read(2, "5")),
            at(4, wrote(2, "6")),
        ];
        let s = story(&trace, None, &WorldConfig::default());
        assert!(s.events.is_empty(), "{:?}", s.events);
        assert!(!s.headline.contains("lost update"));
    }

    #[test]
    fn a_hibernation_is_in_the_story() {
        let trace = vec![
            at(0, What::InstanceCreated),
            at(
                1,
                What::InstanceEnded {
                    reason: EndReason::Hibernated,
                },
            ),
            at(2, What::InstanceCreated),
        ];
        let s = story(&trace, None, &WorldConfig::default());
        assert_eq!(s.events, vec![0, 1, 2]);
    }
}
