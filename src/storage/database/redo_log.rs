//! The redo log's storage: its entries in order, each under the batch it
//! joined, and the bytes of the values they wrote, back to back in one
//! buffer.
//!
//! The log keeps every write of a run until the run ends. A value kept in
//! an allocation of its own lived that long too, and was freed with all
//! the others when the run ended, past the allocator's per-thread cache: a
//! cost per write that outweighed the write. One growing buffer holds them
//! all instead; a write copies its value in, and the value's own vector is
//! freed at once.
//!
//! Invariant: the values buffer holds exactly the values of the logged
//! puts, in log order, so cutting the log back (a rolled-back transaction,
//! a lost batch) cuts the buffer back to where the first dropped put began.

use compact_str::CompactString;

use super::bookmarks::Logged;
use super::BatchId;

/// Where a logged put's value lies in the values buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ValueAt {
    start: usize,
    len: u32,
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct RedoLog {
    entries: Vec<(BatchId, Logged)>,
    values: Vec<u8>,
}

impl RedoLog {
    /// Logs `op` under `batch`.
    pub(crate) fn push(&mut self, batch: BatchId, op: Logged) {
        self.entries.push((batch, op));
    }

    /// Logs a put of `value` at `key` under `batch`.
    pub(crate) fn push_put(&mut self, batch: BatchId, key: &str, value: &[u8]) {
        let at = ValueAt {
            start: self.values.len(),
            len: u32::try_from(value.len()).unwrap_or_else(|_| {
                panic!(
                    "invariant value-fits-log: a {} byte value is past any value limit",
                    value.len()
                )
            }),
        };
        self.values.extend_from_slice(value);
        self.entries
            .push((batch, Logged::Put(CompactString::from(key), at)));
    }

    /// The bytes a logged put wrote.
    pub(crate) fn value(&self, at: ValueAt) -> &[u8] {
        &self.values[at.start..at.start + at.len as usize]
    }

    /// The entries, oldest first.
    pub(crate) fn entries(&self) -> &[(BatchId, Logged)] {
        &self.entries
    }

    /// How many entries there are.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Keeps the first `keep` entries and the values they wrote.
    pub(crate) fn truncate(&mut self, keep: usize) {
        let first_dropped_value = self.entries.get(keep..).and_then(|dropped| {
            dropped.iter().find_map(|(_, op)| match op {
                Logged::Put(_, at) => Some(at.start),
                _ => None,
            })
        });
        if let Some(start) = first_dropped_value {
            self.values.truncate(start);
        }
        self.entries.truncate(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutting_the_log_back_cuts_its_values_back() {
        let mut log = RedoLog::default();
        log.push_put(1, "a", b"first");
        log.push(1, Logged::Delete("b".into()));
        log.push_put(2, "c", b"second value");
        log.push(2, Logged::Alarm(None));
        log.push_put(3, "d", b"third");
        let value_of = |log: &RedoLog, i: usize| match &log.entries()[i].1 {
            Logged::Put(_, at) => log.value(*at).to_vec(),
            other => panic!("entry {i} is {other:?}"),
        };
        assert_eq!(value_of(&log, 2), b"second value");

        log.truncate(3);
        assert_eq!(log.len(), 3);
        assert_eq!(log.values.len(), "first".len() + "second value".len());
        log.truncate(2);
        assert_eq!(log.values, b"first", "the dropped put's value went with it");
        log.push_put(4, "e", b"fourth");
        assert_eq!(value_of(&log, 0), b"first");
        assert_eq!(value_of(&log, 2), b"fourth");
        log.truncate(0);
        assert!(log.values.is_empty() && log.len() == 0);
    }
}
