//! The shape of the simulated world: where clients and hosts are, and how far
//! apart.
//!
//! A world is a list of locations. Clients run at client locations, object
//! instances on hosts, and every object's storage at the storage location
//! (outside any host, so that a host crash cannot destroy it). The time a
//! message takes between two locations is drawn from the latency range of
//! that pair; the config is plain data, so a saved failure can carry it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::limits::Limits;

/// Index of a location in [`WorldConfig::locations`].
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct LocationId(pub u16);

/// What runs at a location.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LocationKind {
    /// Test clients (and the test body itself, at the first one).
    Client,
    /// Object instances are placed here.
    Host,
    /// The storage service that confirms write batches.
    Storage,
}

/// One place in the world.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// Shown in traces and reports.
    pub name: String,
    /// What runs there.
    pub kind: LocationKind,
}

/// A uniform range of one-way message latencies, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Latency {
    /// Smallest latency drawn.
    pub min_us: u64,
    /// Largest latency drawn (inclusive).
    pub max_us: u64,
}

impl Latency {
    /// A range from `min` to `max` microseconds.
    pub const fn us(min_us: u64, max_us: u64) -> Latency {
        Latency { min_us, max_us }
    }
}

/// The world of one run. Build it with [`WorldConfig::new`] and the builder
/// methods, or take [`WorldConfig::default`]: three clients, two hosts, one
/// storage location, 1–10 ms between distinct places.
///
/// ```
/// use dosim::{WorldConfig, Latency};
/// let world = WorldConfig::new(2, 3).latency_between_kinds_us(Latency::us(500, 2_000));
/// assert_eq!(world.clients().count(), 2);
/// assert_eq!(world.hosts().count(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldConfig {
    pub(crate) locations: Vec<Location>,
    /// Latency of a pair of distinct locations, unless overridden.
    pub(crate) latency_default: Latency,
    /// Latency within one location (a client calling an object on its own
    /// host, for instance).
    pub(crate) latency_local: Latency,
    /// Per-pair overrides, keyed by (smaller id, larger id).
    pub(crate) latency_pairs: BTreeMap<(LocationId, LocationId), Latency>,
    /// How long a storage read may take when it misses the cache; a read
    /// that hits completes without yielding.
    pub(crate) storage_read_miss: Latency,
    /// Share of storage reads that miss, in percent.
    pub(crate) storage_read_miss_percent: u8,
    /// The storage API's size limits (absent from configs saved before
    /// there was a choice: production's).
    #[serde(default)]
    pub(crate) limits: Limits,
    /// Whether idle instances are evicted after their idle window with no
    /// fault, as production does (on unless turned off).
    #[serde(default = "on")]
    pub(crate) natural_eviction: bool,
}

/// Natural eviction's setting in configs saved before it could be chosen.
fn on() -> bool {
    true
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig::new(3, 2)
    }
}

impl WorldConfig {
    /// A world with `clients` client locations, `hosts` hosts and one
    /// storage location.
    pub fn new(clients: usize, hosts: usize) -> WorldConfig {
        assert!(clients >= 1, "a world needs at least one client location");
        assert!(hosts >= 1, "a world needs at least one host");
        let mut locations = Vec::new();
        for i in 0..clients {
            locations.push(Location {
                name: format!("client-{i}"),
                kind: LocationKind::Client,
            });
        }
        for i in 0..hosts {
            locations.push(Location {
                name: format!("host-{i}"),
                kind: LocationKind::Host,
            });
        }
        locations.push(Location {
            name: "storage".into(),
            kind: LocationKind::Storage,
        });
        WorldConfig {
            locations,
            latency_default: Latency::us(1_000, 10_000),
            latency_local: Latency::us(50, 200),
            latency_pairs: BTreeMap::new(),
            storage_read_miss: Latency::us(50, 500),
            storage_read_miss_percent: 20,
            limits: Limits::production(),
            natural_eviction: true,
        }
    }

    /// Sets the latency between any two distinct locations.
    pub fn latency_between_kinds_us(mut self, latency: Latency) -> Self {
        self.latency_default = latency;
        self
    }

    /// Sets the latency between two named locations (both directions).
    ///
    /// # Panics
    /// If either name is not a location of this world.
    pub fn latency_between(mut self, a: &str, b: &str, latency: Latency) -> Self {
        let (a, b) = (self.location_named(a), self.location_named(b));
        self.latency_pairs.insert((a.min(b), a.max(b)), latency);
        self
    }

    /// Sets how often (percent) and how slowly a storage read misses.
    pub fn storage_read_miss(mut self, percent: u8, latency: Latency) -> Self {
        self.storage_read_miss_percent = percent.min(100);
        self.storage_read_miss = latency;
        self
    }

    /// Sets the storage API's size limits: [`Limits::production`] (the
    /// default) or [`Limits::local`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The storage API's size limits this world enforces.
    pub fn limits_setting(&self) -> Limits {
        self.limits
    }

    /// Whether an idle instance is evicted after its idle window with no
    /// fault (on by default, as in production): an instance with no event
    /// running, no call waiting and no plain WebSocket open is evicted
    /// after a window drawn from the seed in
    /// [`IDLE_EVICTION_MIN`](crate::IDLE_EVICTION_MIN)..=[`IDLE_EVICTION_MAX`](crate::IDLE_EVICTION_MAX),
    /// counted again from each event. Off, only an injected `evict` fault
    /// evicts.
    pub fn natural_eviction(mut self, on: bool) -> Self {
        self.natural_eviction = on;
        self
    }

    /// Whether idle instances are evicted with no fault.
    pub fn natural_eviction_setting(&self) -> bool {
        self.natural_eviction
    }

    /// The location called `name`.
    ///
    /// # Panics
    /// If there is none, naming the locations there are.
    pub fn location_named(&self, name: &str) -> LocationId {
        match self.locations.iter().position(|l| l.name == name) {
            Some(i) => LocationId(i as u16),
            None => panic!(
                "no location named `{name}` in this world; it has: {}",
                self.locations
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// All locations, in id order.
    pub fn locations(&self) -> &[Location] {
        &self.locations
    }

    /// The location with id `id`.
    pub fn location(&self, id: LocationId) -> &Location {
        &self.locations[id.0 as usize]
    }

    fn of_kind(&self, kind: LocationKind) -> impl Iterator<Item = LocationId> + '_ {
        self.locations
            .iter()
            .enumerate()
            .filter(move |(_, l)| l.kind == kind)
            .map(|(i, _)| LocationId(i as u16))
    }

    /// The client locations.
    pub fn clients(&self) -> impl Iterator<Item = LocationId> + '_ {
        self.of_kind(LocationKind::Client)
    }

    /// The hosts objects may be placed on.
    pub fn hosts(&self) -> impl Iterator<Item = LocationId> + '_ {
        self.of_kind(LocationKind::Host)
    }

    /// Where storage lives.
    pub fn storage(&self) -> LocationId {
        self.of_kind(LocationKind::Storage)
            .next()
            .expect("invariant world-has-storage: every world has a storage location")
    }

    /// The latency range from `a` to `b`.
    pub(crate) fn latency(&self, a: LocationId, b: LocationId) -> Latency {
        if a == b {
            return self.latency_local;
        }
        self.latency_pairs
            .get(&(a.min(b), a.max(b)))
            .copied()
            .unwrap_or(self.latency_default)
    }
}
