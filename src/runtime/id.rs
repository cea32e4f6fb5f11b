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
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(64);
        for b in self.bytes {
            s.push(DIGITS[usize::from(b >> 4)] as char);
            s.push(DIGITS[usize::from(b & 0xf)] as char);
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
        let key = memo::key(binding, || mac(b"dosim namespace key", binding.as_bytes()));
        NamespaceKey(key)
    }

    /// The id for `name`.
    pub(crate) fn id_from_name(&self, name: &str) -> ObjectId {
        let bytes = memo::named(&self.0, name, || {
            let full = mac(&self.0, &[b"name:", name.as_bytes()].concat());
            let mut base = [0u8; 16];
            base.copy_from_slice(&full[..16]);
            self.seal(base, None).bytes
        });
        ObjectId {
            bytes,
            name: Some(name.into()),
        }
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

/// What minting has computed so far in this process.
///
/// Minting a named id takes two HMAC-SHA256 computations and a namespace's
/// key one more: about 42 000 instructions per run of a one-object
/// scenario, a sixth of all the runtime added to a four-request run (the
/// bench's 100-request scenario with one request per client). A sweep mints
/// the same few keys and names in every seed, and since each run builds
/// its namespaces afresh on a thread of its own, only a process-wide memo
/// outlives a run.
///
/// Both are pure functions of their inputs, so an answer from the memo is
/// the answer minting gives; the maps are only looked up, never walked,
/// so their order shapes nothing.
mod memo {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex, MutexGuard};

    /// Entries kept at most: a scenario that mints a fresh name per request
    /// would otherwise grow the memo for as long as the process runs. Past
    /// it the memo starts over, which costs only the minting.
    const ENTRIES_MAX: usize = 1 << 14;

    #[derive(Default)]
    struct Memo {
        /// Namespace keys by binding name.
        keys: HashMap<Box<str>, [u8; 32]>,
        /// Named ids' bytes by namespace key, then name.
        names: HashMap<[u8; 32], HashMap<Box<str>, [u8; 32]>>,
        /// Entries in `keys` and `names` together.
        entries: usize,
    }

    impl Memo {
        fn make_room(&mut self) {
            if self.entries >= ENTRIES_MAX {
                *self = Memo::default();
            }
            self.entries += 1;
        }
    }

    static MEMO: LazyLock<Mutex<Memo>> = LazyLock::new(Mutex::default);

    fn memo() -> MutexGuard<'static, Memo> {
        // A poisoned lock only means a thread panicked while holding it;
        // every entry in it was complete when it went in.
        MEMO.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key of `binding`, from the memo or from `derive`.
    pub(super) fn key(binding: &str, derive: impl FnOnce() -> [u8; 32]) -> [u8; 32] {
        if let Some(key) = memo().keys.get(binding) {
            return *key;
        }
        let key = derive();
        let mut memo = memo();
        memo.make_room();
        memo.keys.insert(binding.into(), key);
        key
    }

    /// The bytes of the id for `name` under `key`, from the memo or from
    /// `mint`.
    pub(super) fn named(key: &[u8; 32], name: &str, mint: impl FnOnce() -> [u8; 32]) -> [u8; 32] {
        if let Some(bytes) = memo().names.get(key).and_then(|names| names.get(name)) {
            return *bytes;
        }
        let bytes = mint();
        let mut memo = memo();
        memo.make_room();
        memo.names
            .entry(*key)
            .or_default()
            .insert(name.into(), bytes);
        bytes
    }

    #[cfg(test)]
    pub(super) fn forget() {
        *memo() = Memo::default();
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

    /// The memo answers what minting computes: the same bytes from a cold
    /// memo and a warm one, pinned to HMAC-SHA256 as any other tool
    /// computes it (the base is the MAC of `name:` and the name under the
    /// key, the tag the MAC of the base), so a change to either shows.
    #[test]
    fn a_remembered_id_is_the_minted_one() {
        let minted = |binding: &str, name: &str| {
            NamespaceKey::for_binding(binding)
                .id_from_name(name)
                .to_hex()
        };
        memo::forget();
        let cold = minted("COUNTER", "counter-0");
        let warm = minted("COUNTER", "counter-0");
        assert_eq!(cold, warm);
        assert_eq!(
            cold,
            "571421d80ea46d6f9e719c0b6e0878e535442de0e7a38abc6ecad95e1eabb069"
        );
        assert_ne!(minted("COUNTER", "counter-1"), cold);
        assert_ne!(minted("OTHER", "counter-0"), cold);
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
