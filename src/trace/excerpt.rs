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

/// The first bytes of a value, and whether there were more.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Excerpt {
    bytes: Arc<[u8]>,
    cut: bool,
}

impl Excerpt {
    /// Keeps the first [`EXCERPT_BYTES_MAX`] bytes of `bytes`.
    pub fn new(bytes: &[u8]) -> Excerpt {
        let cut = bytes.len() > EXCERPT_BYTES_MAX;
        Excerpt {
            bytes: Arc::from(&bytes[..bytes.len().min(EXCERPT_BYTES_MAX)]),
            cut,
        }
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the value was longer than what is kept.
    pub fn is_cut(&self) -> bool {
        self.cut
    }
}

/// The kept bytes as text (a cut multi-byte character is left out), with
/// `…` when the value went on.
impl fmt::Display for Excerpt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match std::str::from_utf8(&self.bytes) {
            Ok(t) => t,
            // Cut inside a character: show up to it.
            Err(e) if self.cut => {
                std::str::from_utf8(&self.bytes[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return write!(f, "<{} bytes>", self.bytes.len()),
        };
        f.write_str(text)?;
        if self.cut {
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
            Some(kept) => Excerpt {
                bytes: Arc::from(kept.as_bytes()),
                cut: true,
            },
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
    fn the_text_survives_a_round_trip() {
        for value in ["\"room\"", &"y".repeat(90)] {
            let e = Excerpt::new(value.as_bytes());
            let json = serde_json::to_string(&e).unwrap();
            let back: Excerpt = serde_json::from_str(&json).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), json);
        }
    }
}
