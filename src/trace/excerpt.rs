//! The start of some bytes a trace line shows: a storage key, a stored
//! value, a call's arguments or its result.
//!
//! Recording keeps only the first [`EXCERPT_BYTES_MAX`] bytes, copied from
//! bytes the run already serialised (values cross the simulated network as
//! JSON): no formatting happens while a run records, only when a report or
//! a trace file is written. A trace file holds the excerpt as text; reading
//! it back gives an excerpt that writes the same text again, so a trace
//! file survives a round trip byte for byte.

use std::fmt;
use std::hash::{Hash, Hasher};

use triomphe::ThinArc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many bytes an excerpt keeps.
pub const EXCERPT_BYTES_MAX: usize = 40;

/// Slots of the cache [`Excerpt::recurring`] looks in: enough that the
/// few hundred keys a workload cycles through mostly keep their own.
const RECURRING_SLOTS: usize = 256;

/// Excerpts of recurring texts made on this thread, one per slot. A run
/// records the same keys (`count`) and arguments (`[]`) over and over, and
/// sharing one `Arc` costs a comparison where a new one costs an
/// allocation and, later, a free. A pure cache: an excerpt is its bytes,
/// whichever `Arc` holds them.
struct Recurring {
    slots: [Option<Excerpt>; RECURRING_SLOTS],
}

thread_local! {
    static RECURRING: std::cell::RefCell<Recurring> = const {
        std::cell::RefCell::new(Recurring {
            slots: [const { None }; RECURRING_SLOTS],
        })
    };
}

/// The first bytes of a value, and whether there were more.
///
/// One word wide, `Option` included: a shared slice whose length lives in
/// its allocation (a thin pointer), so that the events carrying excerpts
/// stay small. The kept bytes are followed by one byte saying whether the
/// value went on.
#[derive(Clone)]
pub struct Excerpt(ThinArc<(), u8>);

impl Excerpt {
    /// Keeps the first [`EXCERPT_BYTES_MAX`] bytes of `bytes`.
    pub fn new(bytes: &[u8]) -> Excerpt {
        let kept = &bytes[..bytes.len().min(EXCERPT_BYTES_MAX)];
        Excerpt::kept(kept, bytes.len() > EXCERPT_BYTES_MAX)
    }

    /// [`Excerpt::new`] of a text that tends to come back (a storage key,
    /// a call's arguments): the same excerpt made recently on this thread
    /// is shared. Only one slot is compared, chosen by a hash of the
    /// text's length and its first and last eight bytes, so a miss costs
    /// little more.
    pub(crate) fn recurring(bytes: &[u8]) -> Excerpt {
        let slot = recurring_slot(bytes);
        RECURRING.with(|recurring| {
            let mut recurring = recurring.borrow_mut();
            let cut = bytes.len() > EXCERPT_BYTES_MAX;
            let kept = &bytes[..bytes.len().min(EXCERPT_BYTES_MAX)];
            match &recurring.slots[slot] {
                Some(e) if e.bytes() == kept && e.is_cut() == cut => e.clone(),
                _ => {
                    let made = Excerpt::kept(kept, cut);
                    recurring.slots[slot] = Some(made.clone());
                    made
                }
            }
        })
    }

    fn kept(kept: &[u8], cut: bool) -> Excerpt {
        // Assembled on the stack and copied once into the `Arc`: one
        // allocation (through a `Vec` it would be two and another copy).
        let kept = &kept[..kept.len().min(EXCERPT_BYTES_MAX)];
        let mut all = [0u8; EXCERPT_BYTES_MAX + 1];
        all[..kept.len()].copy_from_slice(kept);
        all[kept.len()] = u8::from(cut);
        Excerpt(ThinArc::from_header_and_slice((), &all[..=kept.len()]))
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        let all = self.all();
        &all[..all.len() - 1]
    }

    /// Whether the value was longer than what is kept.
    pub fn is_cut(&self) -> bool {
        self.all().last() == Some(&1)
    }

    /// The kept bytes and the byte after them that says whether the value
    /// went on.
    fn all(&self) -> &[u8] {
        &self.0.slice
    }
}

// By content, as the shared slice this replaced compared and hashed, so
// trace digests do not change with the representation.
impl PartialEq for Excerpt {
    fn eq(&self, other: &Excerpt) -> bool {
        self.all() == other.all()
    }
}

impl Eq for Excerpt {}

impl Hash for Excerpt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.all().hash(state);
    }
}

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Excerpt").field(&self.all()).finish()
    }
}

/// The slot [`Excerpt::recurring`] keeps `bytes` in. Keys of one
/// workload often differ only in their last characters (`key:0042`), so
/// those count as much as the first.
fn recurring_slot(bytes: &[u8]) -> usize {
    const MIX: u64 = 0x9e37_79b9_7f4a_7c15;
    let word = |part: &[u8]| {
        let mut w = [0u8; 8];
        w[..part.len()].copy_from_slice(part);
        u64::from_le_bytes(w)
    };
    let first = word(&bytes[..bytes.len().min(8)]);
    let last = word(&bytes[bytes.len().saturating_sub(8)..]);
    let hash = ((bytes.len() as u64 ^ first).wrapping_mul(MIX) ^ last).wrapping_mul(MIX);
    (hash >> 56) as usize % RECURRING_SLOTS
}

/// The kept bytes as text (a cut multi-byte character is left out), with
/// `…` when the value went on.
impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.bytes();
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            // Cut inside a character: show up to it.
            Err(e) if self.is_cut() => {
                std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return write!(f, "<{} bytes>", bytes.len()),
        };
        f.write_str(text)?;
        if self.is_cut() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl Serialize for Excerpt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Excerpt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Excerpt, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.strip_suffix('…') {
            Some(kept) => Excerpt::kept(kept.as_bytes(), true),
            None => Excerpt::new(text.as_bytes()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recurring_text_is_shared_and_equal_to_a_new_one() {
        let long = "k".repeat(100);
        for text in ["count", "", "[]", long.as_str()] {
            let a = Excerpt::recurring(text.as_bytes());
            let b = Excerpt::recurring(text.as_bytes());
            assert_eq!(a.0.ptr(), b.0.ptr(), "{text:?} shared");
            assert_eq!(a, Excerpt::new(text.as_bytes()));
        }
        // Two texts of one slot: the second replaces the first, and
        // neither is mistaken for the other.
        let texts: Vec<String> = (0..=RECURRING_SLOTS).map(|n| format!("k{n}")).collect();
        let slot_of = |t: &String| recurring_slot(t.as_bytes());
        let (x, y) = (0..texts.len())
            .flat_map(|i| (i + 1..texts.len()).map(move |j| (i, j)))
            .find(|&(i, j)| slot_of(&texts[i]) == slot_of(&texts[j]))
            .map(|(i, j)| (texts[i].as_str(), texts[j].as_str()))
            .expect("more texts than slots share one");
        let (a, b) = (
            Excerpt::recurring(x.as_bytes()),
            Excerpt::recurring(y.as_bytes()),
        );
        assert_eq!((a.to_string(), b.to_string()), (x.into(), y.into()));
        assert_eq!(Excerpt::recurring(x.as_bytes()).to_string(), x);
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

    #[test]
    fn a_short_value_is_kept_whole_and_a_long_one_is_cut() {
        assert_eq!(Excerpt::new(b"42").to_string(), "42");
        let long = "x".repeat(100);
        let e = Excerpt::new(long.as_bytes());
        assert!(e.is_cut());
        assert_eq!(e.to_string(), format!("{}…", "x".repeat(EXCERPT_BYTES_MAX)));
    }

    #[test]
    fn a_cut_inside_a_character_shows_up_to_it() {
        let text = format!("{}é", "a".repeat(EXCERPT_BYTES_MAX - 1));
        assert_eq!(
            Excerpt::new(text.as_bytes()).to_string(),
            format!("{}…", "a".repeat(EXCERPT_BYTES_MAX - 1))
        );
    }

    #[test]
    fn an_excerpt_is_one_word_wide_even_when_optional() {
        assert_eq!(
            std::mem::size_of::<Option<Excerpt>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn the_text_survives_a_round_trip() {
        for value in ["\"room\"", &"y".repeat(90)] {
            let e = Excerpt::new(value.as_bytes());
            let json = serde_json::to_string(&e).unwrap();
            let back: Excerpt = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), json);
        }
    }
}
