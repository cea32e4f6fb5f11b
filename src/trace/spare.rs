//! Trace lists kept for reuse between runs of one process.
//!
//! A sweep runs seed after seed, and each run's trace list is about as
//! long as the last one's. Allocating a fresh list per run costs more than
//! the allocation: the allocator hands back pages the kernel must map
//! again on first touch (a page fault per 4 KiB), and a list that outgrows
//! its room is copied into yet more fresh pages. Measured on the
//! 100-request scenario, such faults were four fifths of a sweep's page
//! faults. So a sweep gives each run's list back here once it is done
//! with it (a failing run's after its report and trace file are written),
//! and the next run's recorder starts from it.
//!
//! Only a list's room is reused, never its entries: a list is emptied when
//! it is given back, so what a run records cannot depend on which list it
//! records into.

use std::sync::Mutex;

use super::entry::TraceEntry;

/// Lists kept at most: one per run that may be going on at once in a
/// sweep on a small machine; more would only hold memory nobody uses.
const SPARE_LISTS_MAX: usize = 4;

/// The most room all kept lists may have together, in entries (64 MiB):
/// a list that would go over is freed instead, so after a rare huge run
/// the process does not keep its whole trace's worth of memory. A sweep of
/// runs that long needs that much for each run anyway.
const SPARE_ENTRIES_MAX: usize = (64 << 20) / std::mem::size_of::<TraceEntry>();

/// Empty lists with room, the last given back on top.
struct SpareLists(Mutex<Vec<Vec<TraceEntry>>>);

impl SpareLists {
    const fn new() -> SpareLists {
        SpareLists(Mutex::new(Vec::new()))
    }

    fn lists(&self) -> std::sync::MutexGuard<'_, Vec<Vec<TraceEntry>>> {
        // A poisoned lock only means a thread panicked between a push and
        // a pop: every list in it is still whole and empty.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn give(&self, mut list: Vec<TraceEntry>) {
        if list.capacity() == 0 {
            return;
        }
        list.clear();
        let mut lists = self.lists();
        let kept: usize = lists.iter().map(Vec::capacity).sum();
        if lists.len() < SPARE_LISTS_MAX && kept + list.capacity() <= SPARE_ENTRIES_MAX {
            lists.push(list);
        }
    }

    fn take(&self) -> Option<Vec<TraceEntry>> {
        let list = self.lists().pop()?;
        assert!(list.is_empty(), "a spare trace list holds no entries");
        Some(list)
    }
}

static SPARE: SpareLists = SpareLists::new();

/// Gives a trace list back for a later run to record into: its entries are
/// dropped here, its room is kept (unless enough lists are kept already,
/// or it is too large to keep).
pub(crate) fn recycle(list: Vec<TraceEntry>) {
    SPARE.give(list);
}

/// An empty list a run may record into: the last one given back, if any.
pub(crate) fn take() -> Option<Vec<TraceEntry>> {
    SPARE.take()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::world_config::LocationId;
    use crate::trace::What;

    fn list(len: usize) -> Vec<TraceEntry> {
        (0..len as u64)
            .map(|t| TraceEntry {
                t,
                at: LocationId(0),
                obj: None,
                epoch: 0,
                what: What::Note {
                    text: format!("note {t}"),
                },
            })
            .collect()
    }

    #[test]
    fn a_list_given_back_comes_back_empty_with_its_room() {
        let spare = SpareLists::new();
        let given = list(1000);
        let room = given.capacity();
        spare.give(given);
        let back = spare.take().expect("the list given back is kept");
        assert!(back.is_empty());
        assert_eq!(back.capacity(), room);
        assert!(spare.take().is_none(), "each list is handed out once");
    }

    #[test]
    fn only_a_few_lists_of_bounded_size_are_kept() {
        let spare = SpareLists::new();
        for _ in 0..SPARE_LISTS_MAX + 3 {
            spare.give(list(10));
        }
        let mut kept = 0;
        while let Some(l) = spare.take() {
            assert_eq!(l.capacity(), 10);
            kept += 1;
        }
        assert_eq!(kept, SPARE_LISTS_MAX);

        spare.give(Vec::new());
        assert!(spare.take().is_none(), "a list with no room is not kept");
        spare.give(Vec::with_capacity(SPARE_ENTRIES_MAX / 2));
        spare.give(Vec::with_capacity(SPARE_ENTRIES_MAX / 2 + 1));
        spare.give(Vec::with_capacity(SPARE_ENTRIES_MAX / 2));
        let rooms: Vec<usize> = std::iter::from_fn(|| spare.take().map(|l| l.capacity())).collect();
        assert_eq!(
            rooms,
            [SPARE_ENTRIES_MAX / 2, SPARE_ENTRIES_MAX / 2],
            "a list that would take the kept room over its bound is freed"
        );
    }
}
