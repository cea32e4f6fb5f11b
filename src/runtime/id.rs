//! Object ids, minted as workerd mints them.
//!
//! An id is 32 bytes: a 16-byte base followed by a 16-byte MAC of the base
//! under the namespace's key. For a named id the base is itself a MAC of the
//! name, so `id_from_name(n)` is a pure function of (namespace, name); for a
//! unique id the base is random (from the run's seed). The MAC lets
//! `id_from_string` refuse ids minted by another namespace.

use std::fmt;
use std::rc::Rc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::Error;

type HmacSha256 = Hmac<Sha256>;

/// The id of one Durable Object: one id, one instance, globally.
///
/// Two ids are equal when their bytes are; the name is carried along for
/// ids made from a name, and is `None` for unique ids and parsed ones.
#[derive(Clone)]
pub struct ObjectId {
    bytes: [u8; 32],
    name: Option<Rc<str>>,
}

impl ObjectId {
    /// The name this id was derived from, if it was made by `id_from_name`.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The id as 64 lower-case hex digits (what `id_from_string` accepts).
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(64);
        for b in self.bytes {
            s.push_str(&format!("{b:02x}"));
        }
        s
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl PartialEq for ObjectId {
    fn eq(&self, other: &ObjectId) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for ObjectId {}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "ObjectId({n:?})"),
            None => write!(f, "ObjectId({})", &self.to_hex()[..16]),
        }
    }
}

/// The key a namespace signs its ids with.
#[derive(Clone)]
pub(crate) struct NamespaceKey([u8; 32]);

impl NamespaceKey {
    /// Derived from the binding name: stable across seeds and versions, so a
    /// saved id keeps meaning the same object.
    pub(crate) fn for_binding(binding: &str) -> NamespaceKey {
        NamespaceKey(mac(b"dosim namespace key", binding.as_bytes()))
    }

    /// The id for `name`.
    pub(crate) fn id_from_name(&self, name: &str) -> ObjectId {
        let full = mac(&self.0, &[b"name:", name.as_bytes()].concat());
        let mut base = [0u8; 16];
        base.copy_from_slice(&full[..16]);
        self.seal(base, Some(name.into()))
    }

    /// The id for a random `base`.
    pub(crate) fn id_from_base(&self, base: [u8; 16]) -> ObjectId {
        self.seal(base, None)
    }

    /// Parses 64 hex digits and checks that this namespace minted them.
    pub(crate) fn id_from_string(&self, s: &str) -> Result<ObjectId, Error> {
        let bytes = parse_hex32(s)
            .ok_or_else(|| Error::type_error("Invalid Durable Object ID: must be 64 hex digits"))?;
        let mut base = [0u8; 16];
        base.copy_from_slice(&bytes[..16]);
        let expected = self.seal(base, None);
        if expected.bytes != bytes {
            return Err(Error::type_error(
                "Durable Object ID is not valid for this namespace.",
            ));
        }
        Ok(expected)
    }

    fn seal(&self, base: [u8; 16], name: Option<Rc<str>>) -> ObjectId {
        let tag = mac(&self.0, &base);
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(&base);
        bytes[16..].copy_from_slice(&tag[..16]);
        ObjectId { bytes, name }
    }
}

fn mac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    m.update(data);
    m.finalize().into_bytes().into()
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_ids_are_pure_and_namespaced() {
        let a = NamespaceKey::for_binding("A");
        let b = NamespaceKey::for_binding("B");
        assert_eq!(a.id_from_name("room"), a.id_from_name("room"));
        assert_ne!(a.id_from_name("room"), a.id_from_name("hall"));
        assert_ne!(a.id_from_name("room"), b.id_from_name("room"));
        assert_eq!(a.id_from_name("room").name(), Some("room"));
    }

    #[test]
    fn id_from_string_round_trips_and_checks_the_namespace() {
        let a = NamespaceKey::for_binding("A");
        let b = NamespaceKey::for_binding("B");
        let id = a.id_from_name("room");
        let parsed = a.id_from_string(&id.to_hex()).unwrap();
        assert_eq!(parsed, id);
        assert_eq!(parsed.name(), None);
        assert_eq!(
            b.id_from_string(&id.to_hex()).unwrap_err().message(),
            "Durable Object ID is not valid for this namespace."
        );
        let upper = id.to_hex().to_uppercase();
        assert_eq!(a.id_from_string(&upper).unwrap(), id);
    }

    #[test]
    fn malformed_id_strings_are_refused() {
        let a = NamespaceKey::for_binding("A");
        for bad in ["", "abc", &"g".repeat(64), &"0".repeat(63), &"é".repeat(32)] {
            let e = a.id_from_string(bad).unwrap_err();
            assert_eq!(e.name(), "TypeError");
            assert_eq!(
                e.message(),
                "Invalid Durable Object ID: must be 64 hex digits"
            );
        }
    }
}
