//! `kv_staleness`: a KV namespace read is never staler than its bound. It
//! returns the newest write the central store took at least the bound
//! before the read, or a newer one — never something older.
//!
//! Eventual consistency allows a location to answer from an old cached
//! copy, but only while that copy lives; this is the promise that makes
//! "eventually" mean something a program can plan around (a flag flipped a
//! minute ago is seen everywhere). The monitor replays the namespace's
//! writes (`kv_written`, in the order the store took them, numbered in that
//! order) and checks each `kv_read` against the bound it recorded.

use std::collections::BTreeMap;

use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "kv_staleness";

/// The events every violation starts from: a trace in which no KV namespace
/// was read cannot break this invariant.
pub(crate) fn concerns(w: &What) -> bool {
    matches!(w, What::KvRead { .. })
}

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    // Writes per (namespace, key): (time, number), in the store's order.
    let mut writes: BTreeMap<(&str, &str), Vec<(u64, u64)>> = BTreeMap::new();
    for (i, e) in trace.iter().enumerate() {
        match &e.what {
            What::KvWritten {
                namespace,
                key,
                version,
            } => writes
                .entry((namespace, key))
                .or_default()
                .push((e.t, *version)),
            What::KvRead {
                namespace,
                key,
                version,
                bound_ms,
            } => {
                let cutoff = e.t.checked_sub(bound_ms.saturating_mul(1_000_000));
                let due = cutoff.and_then(|cutoff| {
                    writes
                        .get(&(&**namespace, &**key))?
                        .iter()
                        .take_while(|(t, _)| *t <= cutoff)
                        .last()
                        .copied()
                });
                if let Some((t, due)) = due {
                    if *version < due {
                        return Some(Violation::at(
                            NAME,
                            i,
                            e,
                            format!(
                                "KV namespace {namespace}: a read of {key:?} returned write \
                                 {version}, but write {due} was taken at t={}, more than the \
                                 read's bound of {bound_ms}ms before it",
                                format_sim_time(t)
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;

    const S: u64 = 1_000_000_000;

    fn written(t: u64, version: u64) -> TraceEntry {
        ev(
            t,
            What::KvWritten {
                namespace: "FLAGS".into(),
                key: "k".into(),
                version,
            },
        )
    }

    fn read(t: u64, version: u64) -> TraceEntry {
        ev(
            t,
            What::KvRead {
                namespace: "FLAGS".into(),
                key: "k".into(),
                version,
                bound_ms: 60_000,
            },
        )
    }

    #[test]
    fn an_old_value_within_the_bound_is_fine() {
        let trace = vec![written(S, 1), written(2 * S, 2), read(61 * S, 1)];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn an_old_value_past_the_bound_is_a_violation() {
        let trace = vec![written(S, 1), written(2 * S, 2), read(62 * S, 1)];
        let v = check(&trace).expect("write 2 is over a minute old");
        assert_eq!((v.monitor, v.event_index), (NAME, 2));
        assert!(
            v.message.contains("returned write 1, but write 2"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_cached_not_found_past_the_bound_is_a_violation() {
        let trace = vec![written(S, 1), read(70 * S, 0)];
        assert!(check(&trace).is_some());
    }
}
