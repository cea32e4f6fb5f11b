//! What a monitor keeps per object, found by the object's number.
//!
//! Monitors look up an object's record for every event they read, so the
//! lookup is their largest fixed cost. A run numbers its objects densely
//! from 0 in order of first contact ([`ObjectRef`]), and a trace names at
//! most as many objects as it has entries: below that bound a record sits
//! in a vector slot. A number above it (only a hand-made or corrupt trace
//! has one) goes to an ordered map, so no input can make the vector huge.
//!
//! Invariant: iteration is by ascending object number, as it was when the
//! monitors kept a `BTreeMap<ObjectRef, _>`, so the first violation found
//! at the end of a run does not depend on how the records are stored.

use std::collections::BTreeMap;

use crate::trace::{ObjectRef, TraceEntry};

/// A record of type `T` per object seen in one trace.
pub(crate) struct PerObject<T> {
    /// Records of objects numbered below `dense`.
    slots: Vec<Option<T>>,
    /// Records of objects numbered `dense` or above.
    far: BTreeMap<ObjectRef, T>,
    dense: usize,
}

impl<T: Default> PerObject<T> {
    /// An empty set of records for the objects of `trace`.
    pub(crate) fn for_trace(trace: &[TraceEntry]) -> PerObject<T> {
        PerObject {
            slots: Vec::new(),
            far: BTreeMap::new(),
            dense: trace.len(),
        }
    }

    /// The record of `obj`, created empty on first use.
    #[inline]
    pub(crate) fn entry(&mut self, obj: ObjectRef) -> &mut T {
        let n = obj.0 as usize;
        if n >= self.dense {
            return self.far.entry(obj).or_default();
        }
        if n >= self.slots.len() {
            self.slots.resize_with(n + 1, || None);
        }
        self.slots[n].get_or_insert_with(T::default)
    }

    /// Every record, by ascending object number.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (ObjectRef, &T)> {
        let near = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(n, slot)| Some((ObjectRef(n as u32), slot.as_ref()?)));
        near.chain(self.far.iter().map(|(obj, t)| (*obj, t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;
    use crate::trace::What;

    #[test]
    fn records_come_back_by_ascending_number_whether_near_or_far() {
        let trace = vec![ev(0, What::LivenessPhase); 4];
        let mut records: PerObject<Vec<u32>> = PerObject::for_trace(&trace);
        for n in [u32::MAX, 2, 9, 0, 2] {
            records.entry(ObjectRef(n)).push(n);
        }
        let seen: Vec<(u32, Vec<u32>)> = records.iter().map(|(o, v)| (o.0, v.clone())).collect();
        assert_eq!(
            seen,
            vec![
                (0, vec![0]),
                (2, vec![2, 2]),
                (9, vec![9]),
                (u32::MAX, vec![u32::MAX])
            ]
        );
    }

    #[test]
    fn a_huge_number_in_a_short_trace_allocates_no_huge_vector() {
        let trace = vec![ev(0, What::LivenessPhase)];
        let mut records: PerObject<u8> = PerObject::for_trace(&trace);
        *records.entry(ObjectRef(u32::MAX - 1)) = 7;
        assert!(records.slots.is_empty());
        assert_eq!(records.iter().count(), 1);
    }
}
