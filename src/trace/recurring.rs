//! The cache behind [`Excerpt::recurring`]: a run records the same keys
//! and arguments over and over, and sharing one excerpt's `Arc` costs a
//! comparison where a new one costs an allocation and, later, a free.
//!
//! Invariant: a pure cache. An excerpt is its bytes, whichever `Arc`
//! holds them, so what a run records cannot depend on what the cache held
//! (a thread's table starts empty, and a table is emptied before another
//! thread takes it).

use super::excerpt::{Excerpt, EXCERPT_BYTES_MAX};

/// Slots of the cache [`Excerpt::recurring`] looks in, as a power of two:
/// enough that the few hundred keys a workload cycles through mostly keep
/// their own. With 256 slots, 256 keys shared a slot with another key
/// about six times in ten (one hash picks the slot), and a third of the
/// KV bench's operations allocated their key's excerpt again; with 4 096
/// (a 32 KB table) few do.
const RECURRING_SLOT_BITS: u32 = 12;
pub(super) const RECURRING_SLOTS: usize = 1 << RECURRING_SLOT_BITS;

/// Excerpts of recurring texts made on this thread, one per slot.
///
/// Each seed runs on a thread of its own, whose end drops the cache. The
/// table of slots is not part of the thread's storage (as a thread-local
/// array, 32 KB would be zeroed for every thread of the process, a bare
/// baseline's included) nor allocated afresh per thread (a zeroed table
/// cost a seed about 24 000 instructions): an ending thread empties the
/// slots it filled, which `filled` lists, and leaves the table in
/// [`SPARE_TABLES`] for the next thread. Emptying every slot one by one
/// instead cost a seed about 40 000 instructions.
struct Recurring {
    slots: Option<Box<[Slot]>>,
    filled: Vec<u16>,
}

/// A slot of [`Recurring`]. `ManuallyDrop`, so that freeing the table
/// does not look at every slot: its drop empties the filled ones first.
type Slot = std::mem::ManuallyDrop<Option<Excerpt>>;

const _: () = assert!(
    RECURRING_SLOTS <= 1 << u16::BITS,
    "a slot's number fits in `filled`"
);

/// Tables whose threads ended, every slot empty: one per thread that may
/// run seeds at once, and a few more.
static SPARE_TABLES: std::sync::Mutex<Vec<Box<[Slot]>>> = std::sync::Mutex::new(Vec::new());

/// Tables kept at most in [`SPARE_TABLES`].
const SPARE_TABLES_MAX: usize = 16;

impl Recurring {
    fn slots(&mut self) -> &mut [Slot] {
        self.slots.get_or_insert_with(|| {
            let spare = SPARE_TABLES.lock().ok().and_then(|mut spare| spare.pop());
            spare.unwrap_or_else(|| (0..RECURRING_SLOTS).map(|_| Slot::new(None)).collect())
        })
    }

    fn fill(&mut self, slot: usize, excerpt: Excerpt) {
        let old = self.slots()[slot].replace(excerpt);
        if old.is_none() {
            self.filled.push(slot as u16);
        }
    }
}

impl Drop for Recurring {
    fn drop(&mut self) {
        let Some(mut slots) = self.slots.take() else {
            return;
        };
        for &slot in &self.filled {
            *slots[usize::from(slot)] = None;
        }
        debug_assert!(
            slots.iter().all(|s| s.is_none()),
            "invariant recurring-filled: every filled slot is listed"
        );
        if let Ok(mut spare) = SPARE_TABLES.lock() {
            if spare.len() < SPARE_TABLES_MAX {
                spare.push(slots);
            }
        }
    }
}

thread_local! {
    static RECURRING: std::cell::RefCell<Recurring> = const {
        std::cell::RefCell::new(Recurring {
            slots: None,
            filled: Vec::new(),
        })
    };
}

/// The excerpt of `bytes` (longer than an inline excerpt), shared with
/// the one in its slot if that one has the same bytes. Only one slot is
/// compared, chosen by a hash of the text's length and its first and last
/// eight bytes, so a miss costs little more than making a new one.
pub(super) fn shared(bytes: &[u8]) -> Excerpt {
    let slot = recurring_slot(bytes);
    RECURRING.with(|recurring| {
        let mut recurring = recurring.borrow_mut();
        let cut = bytes.len() > EXCERPT_BYTES_MAX;
        let kept = &bytes[..bytes.len().min(EXCERPT_BYTES_MAX)];
        match &*recurring.slots()[slot] {
            Some(e) if e.bytes() == kept && e.is_cut() == cut => e.clone(),
            _ => {
                let made = Excerpt::kept(kept, cut);
                recurring.fill(slot, made.clone());
                made
            }
        }
    })
}

/// The slot [`Excerpt::recurring`] keeps `bytes` in. Keys of one
/// workload often differ only in their last characters (`key:0042`), so
/// those count as much as the first.
pub(super) fn recurring_slot(bytes: &[u8]) -> usize {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let word = |part: &[u8]| {
        let mut w = [0u8; 8];
        w[..part.len()].copy_from_slice(part);
        u64::from_le_bytes(w)
    };
    let first = word(&bytes[..bytes.len().min(8)]);
    let last = word(&bytes[bytes.len().saturating_sub(8)..]);
    let hash = ((bytes.len() as u64 ^ first).wrapping_mul(MIX) ^ last).wrapping_mul(MIX);
    (hash >> (u64::BITS - RECURRING_SLOT_BITS)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_filled_the_cache_lets_go_of_every_excerpt_it_kept() {
        // Run on a thread of its own, whose end drops the cache: the drop
        // asserts (in a debug build) that it emptied every slot.
        let kept = std::thread::spawn(|| {
            let texts: Vec<String> = (0..3 * RECURRING_SLOTS)
                .map(|n| format!("key:{n:06}"))
                .collect();
            let excerpts: Vec<Excerpt> = texts
                .iter()
                .map(|t| Excerpt::recurring(t.as_bytes()))
                .collect();
            RECURRING.with(|r| {
                let mut r = r.borrow_mut();
                let full = r.slots().iter().filter(|s| s.is_some()).count();
                assert_eq!(full, r.filled.len(), "every filled slot is listed once");
            });
            excerpts[7].clone()
        })
        .join()
        .expect("the thread ends cleanly");
        assert_eq!(
            kept.to_string(),
            "key:000007",
            "an excerpt outlives the cache"
        );
    }

    #[test]
    fn keys_that_differ_only_at_the_end_mostly_get_slots_of_their_own() {
        let mut used: Vec<usize> = (0..256)
            .map(|n| recurring_slot(format!("key:{n:04}").as_bytes()))
            .collect();
        used.sort_unstable();
        used.dedup();
        // 256 keys thrown at random into 256 slots land in about 162.
        assert!(used.len() >= 140, "256 keys share {} slots", used.len());
    }
}
