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
//! 3. the object's lifecycle: instances started and ended (evicted,
//!    hibernated, crashed), idle evictions;
//! 4. the events that name what the test pointed the story at with
//!    [`Sim::focus`](crate::Sim::focus): in a storage key or value, a
//!    call's arguments or URL, a socket message;
//! 5. faults on the hosts the object ran on, and the test's notes.
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
    // What came after a flagged event cannot explain it.
    let trace = &trace[..flagged.map_or(trace.len(), |f| (f + 1).min(trace.len()))];
    // (priority, rank within it, trace index): the lowest are kept.
    let mut picked: Vec<(u8, usize, usize)> = Vec::new();
    let lost = lost_update(trace, object);
    let keys: Vec<&str> = trace
        .iter()
        .filter_map(|e| match &e.what {
            What::Focus { key } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    let headline = match (&lost, keys.is_empty()) {
        (Some(l), _) => format!(
            "a lost update of {}: event {} wrote it from a stale read",
            l.key, l.stale_event
        ),
        (None, true) if flagged.is_some() => {
            "what the monitor flagged, after its instances and the faults that hit it".to_string()
        }
        (None, true) => "its instances, the faults that hit it, and the test's notes".to_string(),
        (None, false) => format!(
            "its instances, and the events that name {}",
            keys.iter()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if let Some(l) = lost {
        picked.extend(l.events.iter().map(|&i| (0, i, i)));
    }
    if let Some(i) = flagged.filter(|&i| i < trace.len()) {
        picked.push((1, i, i));
    }
    // Of the events that name a focus key, each text once: the first (how
    // it began), then the latest (how it ended) before the earlier ones.
    let mut texts = BTreeSet::new();
    let mut first_named = true;
    let hosts = hosts(trace, object, world);
    for (i, e) in trace.iter().enumerate() {
        if instance_changed(e, object) {
            picked.push((2, i, i));
        } else if let Some(text) = named(&e.what, &keys) {
            if texts.insert(text) {
                let rank = if first_named { 0 } else { usize::MAX - i };
                first_named = false;
                picked.push((3, rank, i));
            }
        } else if hit(e, object, &hosts) {
            picked.push((4, i, i));
        }
    }
    picked.sort();
    let mut events: Vec<usize> = picked.into_iter().map(|(_, _, i)| i).collect();
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

/// The names of the hosts `object` ran on.
fn hosts<'w>(trace: &[TraceEntry], object: ObjectRef, world: &'w WorldConfig) -> BTreeSet<&'w str> {
    trace
        .iter()
        .filter(|e| e.obj == Some(object) && e.epoch > 0)
        .filter_map(|e| world.locations().get(e.at.0 as usize))
        .map(|l| l.name.as_str())
        .collect()
}

/// An instance of `object` started or ended (the end of the run aside).
fn instance_changed(e: &TraceEntry, object: ObjectRef) -> bool {
    e.obj == Some(object)
        && match &e.what {
            What::InstanceCreated | What::IdleEvicted { .. } => true,
            What::InstanceEnded { reason } => *reason != EndReason::RunEnded,
            _ => false,
        }
}

/// A fault on `object` or on one of its `hosts`, or a note of the test.
fn hit(e: &TraceEntry, object: ObjectRef, hosts: &BTreeSet<&str>) -> bool {
    match &e.what {
        What::FaultInjected { target, .. } => {
            e.obj == Some(object) || hosts.iter().any(|h| target.contains(h))
        }
        What::Note { .. } => true,
        _ => false,
    }
}

/// What `what` shows (a storage key or value, a call's arguments, a
/// socket message), if it contains one of `keys`.
fn named(what: &What, keys: &[&str]) -> Option<String> {
    if keys.is_empty() {
        return None;
    }
    let shown: [Option<&Excerpt>; 2] = match what {
        What::StorageRead {
            key_text,
            value_text,
            ..
        } => [Some(key_text), value_text.as_ref()],
        What::StorageWrote {
            key_text,
            value_text,
            ..
        } => [key_text.as_ref(), value_text.as_ref()],
        What::CallSent { args, .. } => [args.as_ref(), None],
        What::SocketSent { text, .. } => [text.as_ref(), None],
        _ => return None,
    };
    let text: Vec<String> = shown.iter().flatten().map(|x| x.to_string()).collect();
    let text = text.join(" = ");
    keys.iter().any(|k| text.contains(k)).then_some(text)
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
    fn a_focus_key_brings_in_the_first_and_the_latest_events_that_name_it() {
        let sent = |text: &str| What::SocketSent {
            socket: 1,
            seq: 1,
            to_object: true,
            content: 0,
            text: Some(Excerpt::new(text.as_bytes())),
        };
        let mut trace = vec![at(0, What::InstanceCreated)];
        for n in 0..20 {
            trace.push(at(n + 1, sent(&format!("m0-{n}"))));
            trace.push(at(n + 1, sent(&format!("m1-{n}"))));
        }
        trace.push(at(30, sent("m0-19")));
        trace.push(at(31, What::Focus { key: "m0".into() }));
        let s = story(&trace, None, &WorldConfig::default());
        assert!(s.headline.contains("\"m0\""), "{}", s.headline);
        assert_eq!(s.events.len(), STORY_EVENTS_MAX);
        assert_eq!(
            &s.events[..2],
            &[0, 1],
            "the instance, then the first m0 message"
        );
        // The latest m0 messages, each once (m0-19 is not shown twice).
        assert_eq!(s.events.last(), Some(&39));
        assert!(!s.events.contains(&41));
        assert!(s.events.iter().all(|&i| i < 2 || i % 2 == 1));
    }

    #[test]
    fn a_flagged_event_ends_the_story() {
        let trace = vec![
            at(0, What::InstanceCreated),
            at(
                1,
                What::EventStarted {
                    event: 1,
                    cause: crate::trace::Cause::Alarm,
                },
            ),
            at(
                2,
                What::InstanceEnded {
                    reason: EndReason::Crash,
                },
            ),
        ];
        let s = story(&trace, Some(1), &WorldConfig::default());
        assert_eq!(s.events, vec![0, 1]);
        assert!(
            s.headline.starts_with("what the monitor flagged"),
            "{}",
            s.headline
        );
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
