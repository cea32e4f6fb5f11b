//! Values crossing the simulated network.
//!
//! RPC arguments, results and stored values really are serialised (with
//! serde, as JSON) and decoded on the other side, so a type that does not
//! survive the trip fails in dosim as it would in production, and a reader
//! always gets a fresh copy.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::Error;

/// The largest serialised RPC argument list or result.
pub const RPC_PAYLOAD_BYTES_MAX: usize = 1 << 20;

thread_local! {
    /// Where [`Payload::encode`] writes before it copies the bytes out.
    static ENCODE_BUFFER: std::cell::RefCell<Vec<u8>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// The most capacity [`Payload::encode`]'s buffer keeps between values.
const ENCODE_BUFFER_KEPT_BYTES: usize = 64 * 1024;

/// The longest serialised value a [`Payload`] holds without allocating.
///
/// Most RPC arguments and results are a number, a flag or a short string
/// (`[1]`, `42`, `"ok"`): kept inline, a call's two payloads cost no
/// allocation, where each took one and its free (about a tenth of what the
/// runtime allocates per request). Sixteen bytes keep a payload the size
/// of a `Vec`.
pub(crate) const PAYLOAD_INLINE_BYTES: usize = 16;

/// The bytes of a payload: inline up to [`PAYLOAD_INLINE_BYTES`].
pub(crate) type PayloadBytes = smallvec::SmallVec<[u8; PAYLOAD_INLINE_BYTES]>;

/// Serialised bytes of one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload(pub(crate) PayloadBytes);

impl Payload {
    /// Serialises `value`; `what` names it in the error (built only on
    /// failure: this runs several times per request).
    ///
    /// The bytes have no spare capacity: a stored value stays in the
    /// storage's redo log for the rest of the run, and `serde_json`
    /// starts every vector at 128 bytes, several times what most values
    /// take. So the value is written into a buffer this thread reuses and
    /// copied out at its size: inline when short, else one allocation.
    pub(crate) fn encode<T: Serialize + ?Sized>(
        value: &T,
        what: impl FnOnce() -> String,
    ) -> Result<Payload, Error> {
        Payload::encode_then(value, what, |bytes| {
            Payload(PayloadBytes::from_slice(bytes))
        })
    }

    /// Serialises `value` and hands the bytes to `f`, with no payload
    /// made: for a value that is only read where it goes (a stored value,
    /// which the storage log copies), a long one would otherwise take an
    /// allocation only to be dropped. `what` names it in the error.
    pub(crate) fn encode_then<T: Serialize + ?Sized, R>(
        value: &T,
        what: impl FnOnce() -> String,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, Error> {
        let error = |e: serde_json::Error| {
            Error::data_clone(format!("{} could not be serialized: {e}", what()))
        };
        ENCODE_BUFFER.with(|buffer| match buffer.try_borrow_mut() {
            Ok(mut buffer) => {
                buffer.clear();
                let written = serde_json::to_writer(&mut *buffer, value);
                let done = written.map(|()| f(&buffer));
                if buffer.capacity() > ENCODE_BUFFER_KEPT_BYTES {
                    // One huge value should not pin its size for the run.
                    *buffer = Vec::new();
                }
                done.map_err(error)
            }
            // A `Serialize` that encodes another payload inside: rare.
            Err(_) => serde_json::to_vec(value)
                .map(|bytes| f(&bytes))
                .map_err(error),
        })
    }

    /// The payload of serialised `bytes`, which it keeps (a short value
    /// moves inline).
    pub(crate) fn from_vec(bytes: Vec<u8>) -> Payload {
        Payload(if bytes.len() <= PAYLOAD_INLINE_BYTES {
            PayloadBytes::from_slice(&bytes)
        } else {
            PayloadBytes::from_vec(bytes)
        })
    }

    /// The serialised bytes, as a vector (an inline payload allocates it).
    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.0.into_vec()
    }

    /// The serialised bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Deserialises into `T`; `what` names it in the error.
    pub(crate) fn decode<T: DeserializeOwned>(
        &self,
        what: impl FnOnce() -> String,
    ) -> Result<T, Error> {
        decode_bytes(&self.0, what)
    }

    /// Size in bytes.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// Deserialises `bytes` into `T`; `what` names the value in the error.
pub(crate) fn decode_bytes<T: DeserializeOwned>(
    bytes: &[u8],
    what: impl FnOnce() -> String,
) -> Result<T, Error> {
    serde_json::from_slice(bytes).map_err(|e| {
        Error::type_error(format!(
            "{} could not be deserialized as {}: {e}",
            what(),
            std::any::type_name::<T>()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value whose serialisation encodes another payload, as a user's
    /// `Serialize` could: the buffer is busy, so the inner one takes the
    /// plain path.
    struct Nested;

    impl Serialize for Nested {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let inner = Payload::encode(&[1, 2, 3], || "inner".into()).expect("inner encodes");
            s.serialize_bytes(&inner.0)
        }
    }

    #[test]
    fn an_encoded_value_has_no_spare_capacity_and_decodes_back() {
        let value = ("a counter's name, longer than inline", 42u64);
        let payload = Payload::encode(&value, || "value".into()).unwrap();
        assert!(payload.0.spilled(), "a long value is on the heap");
        assert_eq!(payload.0.capacity(), payload.0.len());
        let back: (String, u64) = payload.decode(|| "value".into()).unwrap();
        assert_eq!(back, (value.0.to_string(), 42));
    }

    #[test]
    fn a_short_value_stays_inline_and_decodes_back() {
        let payload = Payload::encode(&("count", 42u64), || "value".into()).unwrap();
        assert!(!payload.0.spilled(), "a short value takes no allocation");
        assert_eq!(payload.bytes(), br#"["count",42]"#);
        let back: (String, u64) = payload.decode(|| "value".into()).unwrap();
        assert_eq!(back, ("count".to_string(), 42));
        // Either way in, the same payload; and out as the same bytes.
        let moved = Payload::from_vec(br#"["count",42]"#.to_vec());
        assert_eq!(moved, payload);
        assert_eq!(moved.into_vec(), br#"["count",42]"#.to_vec());
        let long = vec![b'7'; PAYLOAD_INLINE_BYTES + 1];
        let kept = Payload::from_vec(long.clone());
        assert!(kept.0.spilled());
        assert_eq!(kept.into_vec(), long);
    }

    #[test]
    fn a_value_that_encodes_another_inside_encodes_both() {
        let payload = Payload::encode(&Nested, || "outer".into()).unwrap();
        assert_eq!(payload.bytes(), b"[91,49,44,50,44,51,93]");
        let big = "x".repeat(ENCODE_BUFFER_KEPT_BYTES * 2);
        let huge = Payload::encode(&big, || "big".into()).unwrap();
        assert_eq!(huge.len(), big.len() + 2);
        ENCODE_BUFFER.with(|b| assert!(b.borrow().capacity() <= ENCODE_BUFFER_KEPT_BYTES));
    }
}
