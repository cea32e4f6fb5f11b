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

/// Serialised bytes of one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload(pub(crate) Vec<u8>);

impl Payload {
    /// Serialises `value`; `what` names it in the error (built only on
    /// failure: this runs several times per request).
    pub(crate) fn encode<T: Serialize + ?Sized>(
        value: &T,
        what: impl FnOnce() -> String,
    ) -> Result<Payload, Error> {
        serde_json::to_vec(value)
            .map(Payload)
            .map_err(|e| Error::data_clone(format!("{} could not be serialized: {e}", what())))
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
