//! The start of some bytes a trace line shows: a storage key, a stored
//! value, a call's arguments or its result.
//!
//! Recording keeps only the first [`EXCERPT_BYTES_MAX`] bytes, copied from
//! bytes the run already serialised (values cross the simulated network as
//! JSON): no formatting happens while a run records, only when a report or
//! a trace file is written. A trace file holds the excerpt as text; reading
//! it back gives an excerpt that writes the same text again, so a trace
//! file survives a round trip byte for byte.

use std::ffi::c_void;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::mem::{size_of, ManuallyDrop};
use std::ptr::NonNull;

use triomphe::ThinArc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many bytes an excerpt keeps.
pub const EXCERPT_BYTES_MAX: usize = 40;

/// The first bytes of a value, and whether there were more.
///
/// One word wide, `Option` included, so that the events carrying excerpts
/// stay small. A short value (up to seven bytes on a 64-bit target, not
/// cut) lives in the word itself: most stored values and answers are a number
/// or a flag, and an allocation for each would cost more than the rest of
/// recording it. A longer one is a shared slice whose length lives in its
/// allocation (a thin pointer); its kept bytes are followed by one byte
/// saying whether the value went on.
///
/// Invariant: the word is either a `ThinArc` pointer, whose low bit is 0
/// (the allocation is aligned), or inline bytes, whose tag byte has its low
/// bit set, never 0, so the word is never null and `Option` needs no room.
pub struct Excerpt(NonNull<c_void>);

// SAFETY: the word is either plain bytes or a `ThinArc<(), u8>`, which is
// `Send` and `Sync` (its count is atomic, its bytes never change).
unsafe impl Send for Excerpt {}
// SAFETY: as for `Send`.
unsafe impl Sync for Excerpt {}

/// The longest value an excerpt keeps in its own word: all of it but the
/// tag byte.
pub(crate) const INLINE_BYTES_MAX: usize = size_of::<usize>() - 1;

/// Where the tag byte sits in the word's memory: its low byte.
const TAG_AT: usize = if cfg!(target_endian = "little") {
    0
} else {
    size_of::<usize>() - 1
};

impl Excerpt {
    /// Keeps the first [`EXCERPT_BYTES_MAX`] bytes of `bytes`.
    pub fn new(bytes: &[u8]) -> Excerpt {
        let kept = &bytes[..bytes.len().min(EXCERPT_BYTES_MAX)];
        Excerpt::kept(kept, bytes.len() > EXCERPT_BYTES_MAX)
    }

    /// [`Excerpt::new`] of a text that tends to come back (a storage key,
    /// a call's arguments, a stored value read back): the same excerpt
    /// made recently on this thread is shared (see `recurring.rs`). A
    /// short text needs no sharing: it is kept inline.
    pub(crate) fn recurring(bytes: &[u8]) -> Excerpt {
        if bytes.len() <= INLINE_BYTES_MAX {
            return Excerpt::inline(bytes);
        }
        super::recurring::shared(bytes)
    }

    pub(super) fn kept(kept: &[u8], cut: bool) -> Excerpt {
        let kept = &kept[..kept.len().min(EXCERPT_BYTES_MAX)];
        if !cut && kept.len() <= INLINE_BYTES_MAX {
            return Excerpt::inline(kept);
        }
        // Assembled on the stack and copied once into the `Arc`: one
        // allocation (through a `Vec` it would be two and another copy).
        let mut all = [0u8; EXCERPT_BYTES_MAX + 1];
        all[..kept.len()].copy_from_slice(kept);
        all[kept.len()] = u8::from(cut);
        let shared = ThinArc::from_header_and_slice((), &all[..=kept.len()]);
        let ptr = shared.into_raw().cast_mut();
        debug_assert!(
            ptr.addr() & 1 == 0,
            "invariant excerpt-word: a shared excerpt's pointer has its low bit clear"
        );
        // SAFETY: `into_raw` returns the allocation's address, never null.
        Excerpt(unsafe { NonNull::new_unchecked(ptr) })
    }

    /// An excerpt of at most `INLINE_BYTES_MAX` bytes, in its word: the
    /// tag byte holds the length and a set low bit.
    fn inline(bytes: &[u8]) -> Excerpt {
        debug_assert!(bytes.len() <= INLINE_BYTES_MAX);
        let mut word = [0u8; size_of::<usize>()];
        word[TAG_AT] = ((bytes.len() as u8) << 1) | 1;
        let data = if TAG_AT == 0 { 1 } else { 0 };
        word[data..data + bytes.len()].copy_from_slice(bytes);
        let word = usize::from_ne_bytes(word);
        // The tag's low bit is set, so the word is not zero.
        let ptr = std::ptr::without_provenance_mut::<c_void>(word);
        Excerpt(NonNull::new(ptr).expect("invariant excerpt-word: an inline word is never zero"))
    }

    fn is_inline(&self) -> bool {
        self.0.as_ptr().addr() & 1 == 1
    }

    /// Runs `f` on the shared slice (only for an excerpt that is not
    /// inline), leaving its count as it was.
    fn with_shared<R>(&self, f: impl FnOnce(&ThinArc<(), u8>) -> R) -> R {
        debug_assert!(!self.is_inline());
        // SAFETY: the word came from `ThinArc::into_raw` (see `kept`), and
        // `ManuallyDrop` keeps this borrowed copy from giving up the count
        // `self` owns.
        let shared = ManuallyDrop::new(unsafe { ThinArc::from_raw(self.0.as_ptr()) });
        f(&shared)
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        if self.is_inline() {
            let word = std::ptr::from_ref(&self.0).cast::<u8>();
            // SAFETY: the word is `size_of::<usize>()` bytes of `self`,
            // of which the tag says how many after (or before) it are data.
            let tag = unsafe { *word.add(TAG_AT) };
            let data = if TAG_AT == 0 { 1 } else { 0 };
            return unsafe { std::slice::from_raw_parts(word.add(data), usize::from(tag >> 1)) };
        }
        let all = self.shared_all();
        &all[..all.len() - 1]
    }

    /// Whether the value was longer than what is kept.
    pub fn is_cut(&self) -> bool {
        !self.is_inline() && self.shared_all().last() == Some(&1)
    }

    /// A shared excerpt's kept bytes and the byte after them that says
    /// whether the value went on.
    fn shared_all(&self) -> &[u8] {
        let (ptr, len) = self.with_shared(|s| (s.slice.as_ptr(), s.slice.len()));
        // SAFETY: the slice lives in the allocation `self` holds a count
        // of, so it outlives the borrow of `self`.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

impl Clone for Excerpt {
    fn clone(&self) -> Excerpt {
        if self.is_inline() {
            return Excerpt(self.0);
        }
        let copy = self.with_shared(ThinArc::clone);
        // SAFETY: as in `kept`.
        Excerpt(unsafe { NonNull::new_unchecked(copy.into_raw().cast_mut()) })
    }
}

impl Drop for Excerpt {
    fn drop(&mut self) {
        if !self.is_inline() {
            // SAFETY: the word came from `ThinArc::into_raw` and this is
            // the one drop of the count it holds.
            drop(unsafe { ThinArc::<(), u8>::from_raw(self.0.as_ptr()) });
        }
    }
}

// By content, as the shared slice this replaced compared and hashed, so
// trace digests do not change with the representation.
impl PartialEq for Excerpt {
    fn eq(&self, other: &Excerpt) -> bool {
        self.bytes() == other.bytes() && self.is_cut() == other.is_cut()
    }
}

impl Eq for Excerpt {}

impl Hash for Excerpt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.with_all(|all| all.hash(state));
    }
}

impl Excerpt {
    /// Runs `f` on the kept bytes followed by the byte saying whether the
    /// value went on: the slice hashing has always looked at, so that
    /// trace digests do not depend on where the bytes live.
    fn with_all<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        if self.is_inline() {
            let mut all = [0u8; INLINE_BYTES_MAX + 1];
            let bytes = self.bytes();
            all[..bytes.len()].copy_from_slice(bytes);
            f(&all[..=bytes.len()])
        } else {
            f(self.shared_all())
        }
    }
}

impl fmt::Debug for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_all(|all| f.debug_tuple("Excerpt").field(&all).finish())
    }
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
    use std::hash::DefaultHasher;

    use super::super::recurring::{recurring_slot, RECURRING_SLOTS};
    use super::*;

    #[test]
    fn a_recurring_text_is_shared_and_equal_to_a_new_one() {
        let long = "k".repeat(100);
        for text in ["counters", "op:00000001", long.as_str()] {
            let a = Excerpt::recurring(text.as_bytes());
            let b = Excerpt::recurring(text.as_bytes());
            assert_eq!(a.0, b.0, "{text:?} shared");
            assert_eq!(a, Excerpt::new(text.as_bytes()));
        }
        // Two texts of one slot: the second replaces the first, and
        // neither is mistaken for the other.
        let texts: Vec<String> = (0..=RECURRING_SLOTS)
            .map(|n| format!("key-{n:04}"))
            .collect();
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
    fn a_short_value_lives_in_the_word_and_reads_back() {
        for text in ["", "1", "count", "1234567"] {
            for e in [
                Excerpt::new(text.as_bytes()),
                Excerpt::recurring(text.as_bytes()),
            ] {
                assert!(e.is_inline(), "{text:?} inline");
                assert_eq!(e.bytes(), text.as_bytes());
                assert!(!e.is_cut());
                assert_eq!(e.clone(), e);
                assert_eq!(e.to_string(), text);
            }
        }
        assert!(!Excerpt::new(b"12345678").is_inline(), "one byte too many");
    }

    /// Trace digests hash excerpts: an inline one must hash as the shared
    /// slice it replaced (its bytes, then 0 for "not cut").
    #[test]
    fn an_inline_excerpt_hashes_as_its_bytes_and_the_cut_byte() {
        let hash = |h: &dyn Fn(&mut DefaultHasher)| {
            let mut state = DefaultHasher::new();
            h(&mut state);
            state.finish()
        };
        let e = Excerpt::new(b"42");
        assert_eq!(hash(&|s| e.hash(s)), hash(&|s| [b'4', b'2', 0][..].hash(s)));
        let long = Excerpt::new(&[b'x'; 60]);
        let mut all = vec![b'x'; EXCERPT_BYTES_MAX];
        all.push(1);
        assert_eq!(hash(&|s| long.hash(s)), hash(&|s| all[..].hash(s)));
    }

    #[test]
    fn clones_and_drops_of_a_shared_excerpt_keep_its_count() {
        let e = Excerpt::new(b"a value longer than a word");
        let count = |e: &Excerpt| e.with_shared(ThinArc::strong_count);
        assert_eq!(count(&e), 1);
        let copies: Vec<Excerpt> = (0..5).map(|_| e.clone()).collect();
        assert_eq!(count(&e), 6);
        drop(copies);
        assert_eq!(count(&e), 1);
        assert_eq!(e.bytes(), b"a value longer than a word");
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
