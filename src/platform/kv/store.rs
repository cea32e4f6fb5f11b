//! The KV namespace's data: one central store, and one cache per location
//! in front of it.
//!
//! This is where eventual consistency lives. A write goes to the central
//! store, which numbers it (last write wins, by the order the store took
//! them) and puts it into the writer's own location's cache, so the writer
//! reads it back at once. A read at any other location is answered from
//! that location's cached copy while the copy lives — an older value, or a
//! cached "not found" — and from the central store once it has expired.
//!
//! Invariant (what the `kv_staleness` monitor checks from the trace): a
//! copy is cached for at most the bound it records, so a read returns the
//! newest write the store took before (the read − that bound), or a newer
//! one. Each copy's lifetime is drawn from the namespace's own random
//! stream, anywhere up to the bound, so different seeds see different
//! staleness; a `kv_stale` fault makes it the whole bound.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::sim::rng::RunRng;
use crate::sim::world_config::LocationId;

/// A key's value as the central store holds it.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// The value; `None` for a deleted key.
    pub(crate) value: Option<Vec<u8>>,
    /// The metadata given with the value (JSON text).
    pub(crate) metadata: Option<String>,
    /// When the key expires, in seconds since the Unix epoch.
    pub(crate) expiration: Option<u64>,
    /// The write's number (0: never written).
    pub(crate) version: u64,
}

impl Entry {
    /// The value, unless the key is deleted or expired at `unix_s`.
    pub(crate) fn live(&self, unix_s: u64) -> Option<&Entry> {
        let expired = self.expiration.is_some_and(|e| e <= unix_s);
        (self.value.is_some() && !expired).then_some(self)
    }
}

/// One location's cached copy of one key (or of its absence).
struct Cached {
    entry: Option<Entry>,
    expires_at: Duration,
    bound: Duration,
}

/// What a read found: the entry if any, the write it came from, and the
/// staleness bound of the copy that answered.
pub(crate) struct Found {
    pub(crate) entry: Option<Entry>,
    pub(crate) version: u64,
    pub(crate) bound: Duration,
}

/// See the module documentation.
pub(crate) struct Store {
    central: BTreeMap<String, Entry>,
    /// When the central store last took a write of each key (for the
    /// one-write-per-second limit).
    written_at: BTreeMap<String, Duration>,
    caches: BTreeMap<(LocationId, String), Cached>,
    versions: u64,
    pub(crate) rng: RunRng,
}

/// Why the central store refused a write.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TooManyWrites;

/// Writes to one key less than this apart are refused.
pub(crate) const KEY_WRITE_INTERVAL: Duration = Duration::from_secs(1);

impl Store {
    pub(crate) fn new(rng: RunRng) -> Store {
        Store {
            central: BTreeMap::new(),
            written_at: BTreeMap::new(),
            caches: BTreeMap::new(),
            versions: 0,
            rng,
        }
    }

    /// Reads `key` at location `at`, time `now`: from the location's copy
    /// while it lives, else from the central store, caching what it found
    /// for up to `bound` (the whole `bound` when `stale`).
    pub(crate) fn read(
        &mut self,
        at: LocationId,
        key: &str,
        now: Duration,
        bound: Duration,
        stale: bool,
    ) -> Found {
        let slot = (at, key.to_string());
        if let Some(c) = self.caches.get(&slot) {
            if c.expires_at > now {
                return Found {
                    version: c.entry.as_ref().map_or(0, |e| e.version),
                    entry: c.entry.clone(),
                    bound: c.bound,
                };
            }
        }
        let entry = self.central.get(key).cloned();
        self.cache(slot, entry.clone(), now, bound, stale);
        Found {
            version: entry.as_ref().map_or(0, |e| e.version),
            entry,
            bound,
        }
    }

    /// Takes a write of `key` (a value, or `None` for a delete) from
    /// location `at`; returns its number, or refuses it under the
    /// one-write-per-second limit.
    pub(crate) fn write(
        &mut self,
        at: LocationId,
        key: &str,
        mut entry: Entry,
        now: Duration,
        bound: Duration,
    ) -> Result<u64, TooManyWrites> {
        if let Some(last) = self.written_at.get(key) {
            if now.saturating_sub(*last) < KEY_WRITE_INTERVAL {
                return Err(TooManyWrites);
            }
        }
        self.versions += 1;
        entry.version = self.versions;
        self.written_at.insert(key.to_string(), now);
        self.central.insert(key.to_string(), entry.clone());
        // The writer's location sees its own write at once.
        self.cache((at, key.to_string()), Some(entry), now, bound, false);
        Ok(self.versions)
    }

    fn cache(
        &mut self,
        slot: (LocationId, String),
        entry: Option<Entry>,
        now: Duration,
        bound: Duration,
        stale: bool,
    ) {
        let lifetime = if crate::mutations::active(crate::mutations::Mutation::KvStaleForever) {
            Duration::MAX
        } else if stale {
            bound
        } else {
            let ms = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX);
            Duration::from_millis(self.rng.below(ms.max(1) as usize) as u64)
        };
        let expires_at = now.saturating_add(lifetime);
        self.caches.insert(
            slot,
            Cached {
                entry,
                expires_at,
                bound,
            },
        );
    }

    /// Live keys of the central store from `start` (exclusive when
    /// `after`), with `prefix`, in byte order, at most `limit` of them, and
    /// whether more follow.
    pub(crate) fn list(
        &self,
        prefix: &str,
        start: Option<&str>,
        limit: usize,
        unix_s: u64,
    ) -> (Vec<(String, Entry)>, bool) {
        use std::ops::Bound;
        let lower = match start {
            Some(s) => Bound::Excluded(s.to_string()),
            None => Bound::Included(prefix.to_string()),
        };
        let mut live = self
            .central
            .range((lower, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter_map(|(k, e)| e.live(unix_s).map(|e| (k.clone(), e.clone())));
        let page: Vec<_> = live.by_ref().take(limit).collect();
        let more = live.next().is_some();
        (page, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::seed::{Seed, Stream};

    fn store() -> Store {
        Store::new(RunRng::new(Seed(7).rng(Stream::KvNamespace)))
    }

    fn value(v: &str) -> Entry {
        Entry {
            value: Some(v.as_bytes().to_vec()),
            metadata: None,
            expiration: None,
            version: 0,
        }
    }

    const A: LocationId = LocationId(0);
    const B: LocationId = LocationId(1);
    const MINUTE: Duration = Duration::from_secs(60);

    fn read(s: &mut Store, at: LocationId, t: u64) -> u64 {
        s.read(at, "k", Duration::from_secs(t), MINUTE, false)
            .version
    }

    #[test]
    fn the_writer_reads_its_write_and_others_within_the_bound() {
        let mut s = store();
        assert_eq!(read(&mut s, B, 0), 0, "B caches a not-found");
        let v = s.write(A, "k", value("x"), Duration::from_secs(1), MINUTE);
        assert_eq!(v, Ok(1));
        assert_eq!(read(&mut s, A, 1), 1, "read-your-write at the writer");
        assert_eq!(read(&mut s, B, 61), 1, "the cached not-found expired");
    }

    #[test]
    fn a_stale_copy_lives_the_whole_bound() {
        let mut s = store();
        s.read(B, "k", Duration::ZERO, MINUTE, true);
        s.write(A, "k", value("x"), Duration::from_secs(1), MINUTE)
            .unwrap();
        assert_eq!(read(&mut s, B, 59), 0);
        assert_eq!(read(&mut s, B, 60), 1);
    }

    #[test]
    fn a_second_write_within_a_second_is_refused() {
        let mut s = store();
        let t = Duration::from_millis(100);
        s.write(A, "k", value("x"), t, MINUTE).unwrap();
        let again = s.write(B, "k", value("y"), t + Duration::from_millis(999), MINUTE);
        assert_eq!(again, Err(TooManyWrites));
        assert!(s
            .write(B, "k", value("y"), t + KEY_WRITE_INTERVAL, MINUTE)
            .is_ok());
        assert!(s.write(B, "other", value("y"), t, MINUTE).is_ok());
    }

    #[test]
    fn lists_page_in_byte_order_and_skip_expired_and_deleted_keys() {
        let mut s = store();
        let t = Duration::ZERO;
        for k in ["p:c", "p:a", "q:a", "p:b", "p:d"] {
            s.write(A, k, value(k), t, MINUTE).unwrap();
        }
        let mut gone = value("x");
        gone.expiration = Some(10);
        s.write(A, "p:bb", gone, t, MINUTE).unwrap();
        s.write(
            A,
            "p:d",
            Entry {
                value: None,
                ..value("")
            },
            Duration::from_secs(2),
            MINUTE,
        )
        .unwrap();
        let names =
            |page: &[(String, Entry)]| page.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        let (page, more) = s.list("p:", None, 2, 10);
        assert_eq!(
            (names(&page), more),
            (vec!["p:a".into(), "p:b".into()], true)
        );
        let (page, more) = s.list("p:", Some("p:b"), 2, 10);
        assert_eq!((names(&page), more), (vec!["p:c".to_string()], false));
    }
}
