//! `durability`: whenever a new instance starts, storage holds exactly the
//! state after the object's last confirmed batch — no confirmed write lost,
//! no unconfirmed write visible, no batch half-applied.
//!
//! The monitor replays the trace: each write (key and value as hashes)
//! joins its batch; a confirmed batch is applied whole to a model; batches
//! never confirmed are forgotten when their instance dies or a new one
//! starts. The runtime records a digest of the real database when each
//! instance starts, and the two must match. `delete_all` joins its batch as
//! a wipe; a rolled-back transaction takes its writes back out of the
//! batch. After a restore to a bookmark the model no longer knows the
//! state (the restore is checked by the storage layer's own tests), so
//! that object's later digests go unchecked.
//!
//! The model covers the KV API; the object's SQL tables are checked by the
//! storage layer's model-based tests instead.

use super::key_map::KeyMap;
use super::pass::{self, Pass};
use super::per_object::PerObject;
use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{storage_digest, EndReason, TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "durability";

/// One write of a batch: a key set (value hash) or deleted, or everything
/// deleted.
#[derive(Clone, Copy)]
enum Write {
    Key(u64, Option<u64>),
    Wipe,
}

#[derive(Default)]
struct Model {
    /// Writes not yet confirmed, each with its batch, in trace order. A
    /// flat list, not a map of lists: an object has one or two batches in
    /// flight, and a list that keeps its capacity costs no allocation per
    /// write.
    pending: Vec<(u64, Write)>,
    /// Confirmed writes not yet applied to `durable`, in the order their
    /// batches were confirmed. Only a digest reads the durable state, and
    /// digests come when an instance starts, rarely; so a confirmation
    /// appends here, and the map takes the writes only when a digest is
    /// due. (Applied at once, every write cost a hash-map insert into a
    /// map that grows by a key per request: a third of the monitors' cost
    /// on the counter.) The list holds one entry per `StorageWrote` entry
    /// of the trace, which the checker holds whole anyway: it adds at most
    /// 32 bytes per 88-byte trace entry.
    confirmed: Vec<Write>,
    /// What confirmed batches left behind, up to the writes still in
    /// `confirmed` (read whole only by the digest, which sorts it).
    durable: KeyMap<u64>,
    last_confirmed: u64,
    /// A restore made the state unknown to the model.
    unknown: bool,
}

impl Model {
    fn confirm(&mut self, batch: u64) {
        let confirmed = &mut self.confirmed;
        self.pending.retain(|(b, write)| {
            if *b == batch {
                confirmed.push(*write);
            }
            *b != batch
        });
        self.last_confirmed = self.last_confirmed.max(batch);
    }

    /// The state after every confirmed batch: applies the confirmed
    /// writes `durable` has not taken yet.
    fn durable(&mut self) -> &KeyMap<u64> {
        for write in self.confirmed.drain(..) {
            match write {
                Write::Key(key, Some(v)) => drop(self.durable.insert(key, v)),
                Write::Key(key, None) => drop(self.durable.remove(&key)),
                Write::Wipe => self.durable.clear(),
            }
        }
        &self.durable
    }

    /// Keeps only the first `kept` writes of `batch`.
    fn roll_back(&mut self, batch: u64, kept: u64) {
        let mut seen = 0u64;
        self.pending.retain(|(b, _)| {
            if *b != batch {
                return true;
            }
            seen += 1;
            seen <= kept
        });
    }
}

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    pass::run::<Durability>(trace)
}

/// The monitor as a pass: each object's model.
pub(crate) struct Durability {
    models: PerObject<Model>,
}

impl Pass for Durability {
    fn new(trace: &[TraceEntry]) -> Self {
        Durability {
            models: PerObject::for_trace(trace),
        }
    }

    /// The kinds `step` matches.
    fn reads(what: &What) -> bool {
        matches!(
            what,
            What::StorageWrote { .. }
                | What::StorageWiped { .. }
                | What::StorageRolledBack { .. }
                | What::StorageRestored { .. }
                | What::BatchConfirmed { .. }
                | What::InstanceCreated
                | What::InstanceEnded { .. }
                | What::StorageDigest { .. }
        )
    }

    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry) -> Option<Violation> {
        let obj = e.obj?;
        let m = self.models.entry(obj);
        match &e.what {
            What::StorageWrote {
                batch, key, value, ..
            } => {
                m.pending.push((*batch, Write::Key(*key, *value)));
            }
            What::StorageWiped { batch, .. } => {
                m.pending.push((*batch, Write::Wipe));
            }
            What::StorageRolledBack { batch, kept, .. } => m.roll_back(*batch, *kept),
            What::StorageRestored { batch, .. } => {
                m.unknown = true;
                m.last_confirmed = m.last_confirmed.max(*batch);
            }
            What::BatchConfirmed { batch } => m.confirm(*batch),
            What::InstanceCreated
            | What::InstanceEnded {
                reason: EndReason::Crash | EndReason::Reset | EndReason::CodeUpdate,
            } => m.pending.clear(),
            What::StorageDigest { .. } if m.unknown => {}
            What::StorageDigest { entries, digest } => {
                let durable = m.durable();
                let expected = storage_digest(durable.iter().map(|(k, v)| (*k, *v)));
                let keys = durable.len();
                if *digest != expected || *entries != keys as u64 {
                    return Some(Violation::at(NAME, i, e, format!(
                            "object #{} epoch {} started at t={} on storage with {entries} keys that differ from the state after its last confirmed batch ({}, {} keys)",
                            obj.0,
                            e.epoch,
                            format_sim_time(e.t),
                            m.last_confirmed,
                            keys
                        )));
                }
            }
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;

    fn wrote(t: u64, batch: u64, key: u64, value: u64) -> TraceEntry {
        ev(
            t,
            What::StorageWrote {
                event: 1,
                batch,
                key,
                value: Some(value),
                key_text: None,
                value_text: None,
            },
        )
    }

    fn digest(t: u64, pairs: &[(u64, u64)]) -> TraceEntry {
        ev(
            t,
            What::StorageDigest {
                entries: pairs.len() as u64,
                digest: storage_digest(pairs.iter().copied()),
            },
        )
    }

    #[test]
    fn confirmed_writes_survive_and_unconfirmed_ones_vanish() {
        let trace = vec![
            wrote(1, 1, 10, 100),
            wrote(2, 1, 11, 110),
            ev(3, What::BatchConfirmed { batch: 1 }),
            wrote(4, 2, 12, 120),
            ev(
                5,
                What::InstanceEnded {
                    reason: EndReason::Crash,
                },
            ),
            ev(6, What::InstanceCreated),
            digest(7, &[(10, 100), (11, 110)]),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn a_lost_confirmed_write_is_caught() {
        let trace = vec![
            wrote(1, 1, 10, 100),
            ev(2, What::BatchConfirmed { batch: 1 }),
            ev(3, What::InstanceCreated),
            digest(4, &[]),
        ];
        let v = check(&trace).expect("violation");
        assert_eq!(v.monitor, "durability");
        assert!(
            v.message.contains("last confirmed batch (1, 1 keys)"),
            "{}",
            v.message
        );
    }

    #[test]
    fn half_a_batch_is_caught() {
        let trace = vec![
            wrote(1, 1, 10, 100),
            wrote(2, 1, 11, 110),
            ev(
                3,
                What::InstanceEnded {
                    reason: EndReason::Crash,
                },
            ),
            ev(4, What::InstanceCreated),
            digest(5, &[(10, 100)]),
        ];
        assert!(check(&trace).is_some());
    }

    /// Many batches in flight, confirmed one by one: each confirmation
    /// applies exactly its own batch's writes, in trace order.
    #[test]
    fn batches_in_flight_are_applied_one_by_one() {
        let mut trace = Vec::new();
        for batch in 1..=5 {
            trace.push(wrote(batch, batch, 10, batch * 100));
            trace.push(wrote(batch, batch, batch, 1));
        }
        for batch in 1..=3 {
            trace.push(ev(10 + batch, What::BatchConfirmed { batch }));
        }
        trace.push(ev(20, What::InstanceCreated));
        trace.push(digest(21, &[(10, 300), (1, 1), (2, 1), (3, 1)]));
        assert_eq!(check(&trace), None);
    }

    /// Confirmed writes wait to be applied until a digest needs them;
    /// applied across several digests, with a wipe among them, the state
    /// is the same as applied one by one.
    #[test]
    fn writes_applied_at_each_digest_keep_their_order() {
        let wipe = |t, batch| ev(t, What::StorageWiped { event: 1, batch });
        let trace = vec![
            wrote(1, 1, 10, 100),
            ev(2, What::BatchConfirmed { batch: 1 }),
            ev(3, What::InstanceCreated),
            digest(4, &[(10, 100)]),
            wrote(5, 2, 11, 110),
            wipe(6, 2),
            wrote(7, 2, 12, 120),
            ev(8, What::BatchConfirmed { batch: 2 }),
            wrote(9, 3, 10, 300),
            ev(10, What::BatchConfirmed { batch: 3 }),
            ev(11, What::InstanceCreated),
            digest(12, &[(12, 120), (10, 300)]),
        ];
        assert_eq!(check(&trace), None);
        let mut lost = trace.clone();
        lost[11] = digest(12, &[(11, 110), (12, 120), (10, 300)]);
        assert!(check(&lost).is_some(), "a write before the wipe came back");
    }

    /// The claim in `Model::confirmed`'s documentation.
    #[test]
    fn a_kept_write_is_at_most_32_bytes() {
        assert!(std::mem::size_of::<Write>() <= 32);
    }

    /// A hand-made trace may list writes out of batch order; the model
    /// still applies each batch's own writes.
    #[test]
    fn writes_out_of_batch_order_are_still_applied_by_batch() {
        let trace = vec![
            wrote(1, 2, 10, 200),
            wrote(2, 1, 10, 100),
            wrote(3, 1, 11, 110),
            ev(4, What::BatchConfirmed { batch: 1 }),
            ev(5, What::InstanceCreated),
            digest(6, &[(10, 100), (11, 110)]),
        ];
        assert_eq!(check(&trace), None);
        let mut both = trace.clone();
        both.truncate(4);
        both.push(ev(5, What::BatchConfirmed { batch: 2 }));
        both.push(ev(6, What::InstanceCreated));
        both.push(digest(7, &[(10, 200), (11, 110)]));
        assert_eq!(check(&both), None);
    }
}
