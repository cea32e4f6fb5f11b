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
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many bytes an excerpt keeps.
pub const EXCERPT_BYTES_MAX: usize = 40;

/// How many recent excerpts [`Excerpt::new`] shares.
const RECENT_KEPT: usize = 8;

/// The excerpts made last on this thread. A run records the same short
/// texts over and over (a key such as `count`, the arguments `[]`), and
/// sharing one `Arc` costs a comparison where a new one costs an
/// allocation. A pure cache: an excerpt is its bytes, whichever `Arc`
/// holds them.
struct Recent {
    kept: [Option<Excerpt>; RECENT_KEPT],
    next: usize,
}

thread_local! {
    static RECENT: std::cell::RefCell<Recent> = const {
        std::cell::RefCell::new(Recent {
            kept: [const { None }; RECENT_KEPT],
            next: 0,
        })
    };
}

/// The first bytes of a value, and whether there were more.
///
/// One pointer wide, so that the events carrying it stay small: the kept
/// bytes are followed by one byte saying whether the value went on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Excerpt(Arc<[u8]>);

impl Excerpt {
    /// Keeps the first [`EXCERPT_BYTES_MAX`] bytes of `bytes`.
    pub fn new(bytes: &[u8]) -> Excerpt {
        let kept = &bytes[..bytes.len().min(EXCERPT_BYTES_MAX)];
        Excerpt::kept(kept, bytes.len() > EXCERPT_BYTES_MAX)
    }

    fn kept(kept: &[u8], cut: bool) -> Excerpt {
        // Assembled on the stack and copied once into the `Arc`: one
        // allocation (through a `Vec` it would be two and another copy).
        let kept = &kept[..kept.len().min(EXCERPT_BYTES_MAX)];
        let mut all = [0u8; EXCERPT_BYTES_MAX + 1];
        all[..kept.len()].copy_from_slice(kept);
        all[kept.len()] = u8::from(cut);
        let all = &all[..=kept.len()];
        RECENT.with(|recent| {
            let mut recent = recent.borrow_mut();
            if let Some(hit) = recent.kept.iter().flatten().find(|e| &*e.0 == all) {
                return hit.clone();
            }
            let made = Excerpt(Arc::from(all));
            let slot = recent.next;
            recent.kept[slot] = Some(made.clone());
            recent.next = (slot + 1) % RECENT_KEPT;
            made
        })
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.0[..self.0.len() - 1]
    }

    /// Whether the value was longer than what is kept.
    pub fn is_cut(&self) -> bool {
        self.0.last() == Some(&1)
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
    use super::*;

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
    fn an_excerpt_is_one_pointer_wide_even_when_optional() {
        assert_eq!(
            std::mem::size_of::<Option<Excerpt>>(),
            std::mem::size_of::<Arc<[u8]>>()
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
