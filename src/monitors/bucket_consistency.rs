//! Bucket consistency: a bucket read (`get`, `head`, or an entry of a
//! `list`) that started after a write of its key was acknowledged sees
//! that write or a later one, never an older version.
//!
//! R2 is strongly consistent, so this holds for every read, across
//! locations. Writes are numbered in the bucket's own order (a delete is a
//! write too); a read reports the number of the write it saw, and the
//! monitor compares it with the newest write of that key acknowledged to
//! any caller before the read was sent. A put whose caller got an error is
//! not acknowledged, so a read may or may not see it. A listing is checked
//! on the entries it returns; a key it leaves out is not checked.

use std::collections::BTreeMap;

use super::Violation;
use crate::trace::{TraceEntry, What};

/// The monitor's name.
pub const NAME: &str = "bucket_consistency";

/// The events every violation starts from: a trace in which no bucket
/// answered cannot break this invariant.
pub(crate) fn concerns(w: &What) -> bool {
    matches!(w, What::BucketAnswered { .. })
}

/// A bucket operation on its way: which bucket, what, and where in the
/// trace it was sent.
struct Sent<'t> {
    bucket: &'t str,
    op: &'t str,
    index: usize,
}

/// The first read that saw an older write than one acknowledged before it
/// started.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    // (bucket, key) -> its acknowledged writes: (trace index of the
    // acknowledgement, write number).
    let mut acked: BTreeMap<(&str, &str), Vec<(usize, u64)>> = BTreeMap::new();
    let mut open: BTreeMap<u64, Sent> = BTreeMap::new();
    for (index, e) in trace.iter().enumerate() {
        match &e.what {
            What::BucketSent {
                call, bucket, op, ..
            } => {
                open.insert(*call, Sent { bucket, op, index });
            }
            What::BucketAnswered {
                call,
                ok,
                seen,
                written,
            } => {
                let Some(sent) = open.remove(call) else {
                    continue;
                };
                if !ok {
                    continue;
                }
                for (key, saw) in seen {
                    let need = acked
                        .get(&(sent.bucket, key.as_str()))
                        .into_iter()
                        .flatten()
                        .filter(|(at, _)| *at < sent.index)
                        .map(|(_, write)| *write)
                        .max()
                        .unwrap_or(0);
                    if *saw < need {
                        let (bucket, op) = (sent.bucket, sent.op);
                        return Some(Violation::at(
                            NAME,
                            index,
                            e,
                            format!(
                                "bucket {bucket} {op} #{call} of `{key}` saw write {saw}, \
                                 but write {need} of that key was acknowledged before it started"
                            ),
                        ));
                    }
                }
                for (key, write) in written {
                    acked
                        .entry((sent.bucket, key.as_str()))
                        .or_default()
                        .push((index, *write));
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

    fn sent(call: u64, op: &str) -> What {
        What::BucketSent {
            call,
            bucket: "B".into(),
            op: op.into(),
            keys: vec!["k".into()].into(),
        }
    }

    fn answered(call: u64, seen: &[u64], written: &[u64]) -> What {
        let pairs = |w: &[u64]| w.iter().map(|n| ("k".to_string(), *n)).collect();
        What::BucketAnswered {
            call,
            ok: true,
            seen: pairs(seen),
            written: pairs(written),
        }
    }

    #[test]
    fn a_read_after_an_acknowledged_write_must_see_it() {
        let trace = vec![
            ev(1, sent(1, "put")),
            ev(2, answered(1, &[], &[1])),
            ev(3, sent(2, "put")),
            ev(4, answered(2, &[], &[2])),
            ev(5, sent(3, "get")),
            ev(6, answered(3, &[1], &[])),
        ];
        let v = check(&trace).expect("a stale read");
        assert_eq!(v.event_index, 5);
        assert!(v.message.contains("saw write 1"), "{}", v.message);
    }

    #[test]
    fn a_read_sent_before_the_write_was_acknowledged_may_miss_it() {
        let trace = vec![
            ev(1, sent(1, "put")),
            ev(2, sent(2, "get")),
            ev(3, answered(1, &[], &[1])),
            ev(4, answered(2, &[0], &[])),
            ev(5, sent(3, "get")),
            ev(6, answered(3, &[1], &[])),
        ];
        assert_eq!(check(&trace), None);
    }
}
