//! One bound bucket: where it lives, its store, its random stream and its
//! fault rates, and how one operation travels to it and back.
//!
//! Fault model (the kinds are `sim::faults`' `bucket_*`): while the run's
//! fault window is open, each operation may draw, from the bucket's own
//! stream and at the plan's percent, one of
//! - `bucket_error`: the request reaches the bucket, which writes nothing
//!   and answers R2's internal error (10001);
//! - `bucket_slow`: the round trip takes 50 to 2000 ms longer;
//! - `bucket_lost_put` (puts only): the object is written, and the caller
//!   gets the internal error anyway, so it cannot tell a write that
//!   happened from one that did not.
//!
//! A plan can also schedule each for a bucket's next operation. Beyond
//! those, the request and the answer cross the simulated network like any
//! message: a partition or a lost message fails the call, before the write
//! (nothing happened) or after it (the write happened). Nothing here ever
//! loses a write that was acknowledged.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use super::store::{Store, Stored};
use crate::mutations::{self, Mutation};
use crate::sim::faults::{Fault, FaultKind};
use crate::sim::rng::RunRng;
use crate::sim::seed::Stream;
use crate::sim::world::World;
use crate::sim::world_config::LocationId;
use crate::trace::What;

/// How long the `bucket_stale_read` mutation serves a key's old version.
const STALE_FOR: Duration = Duration::from_secs(2);

/// The extra latency of a `bucket_slow` fault drawn at random, in ms.
const SLOW_MS: (u64, u64) = (50, 2_000);

/// See the module documentation.
pub(crate) struct BucketService {
    pub(crate) name: String,
    /// Where the bucket's requests are served: the world's storage site.
    pub(crate) location: LocationId,
    pub(crate) rng: RunRng,
    pub(crate) store: RefCell<Store>,
    rates: BTreeMap<FaultKind, f64>,
    calls: Cell<u64>,
    /// For the `bucket_stale_read` mutation: each key's version before its
    /// last write.
    stale: RefCell<BTreeMap<String, Stale>>,
}

/// A key's version before its last write, kept by the `bucket_stale_read`
/// mutation: the object (if any), its write, and until when it is served.
struct Stale {
    stored: Option<Stored>,
    write: u64,
    until: Duration,
}

/// The faults one operation meets.
#[derive(Default)]
pub(crate) struct Drawn {
    pub(crate) error: bool,
    pub(crate) lost_put: bool,
    pub(crate) extra: Duration,
}

impl BucketService {
    /// A bucket bound to `name` in `world`; in swarm mode draws which of
    /// its fault kinds are on, from its own stream.
    pub(crate) fn new(world: &World, name: &str) -> BucketService {
        let rng = RunRng::new(world.seed.rng(Stream::Bucket));
        let rates = world
            .plan
            .swarm_service_rates(FaultKind::BUCKET, &rng, 1.0, 10.0);
        let kinds: Vec<FaultKind> = rates
            .iter()
            .filter(|(_, r)| **r > 0.0)
            .map(|(k, _)| *k)
            .collect();
        if !kinds.is_empty() {
            world.record(
                world.config().storage(),
                None,
                0,
                What::FaultsPlanned { kinds },
            );
        }
        BucketService {
            name: name.to_string(),
            location: world.config().storage(),
            rng,
            store: RefCell::new(Store::default()),
            rates,
            calls: Cell::new(0),
            stale: RefCell::new(BTreeMap::new()),
        }
    }

    /// The next operation's number.
    pub(crate) fn next_call(&self) -> u64 {
        self.calls.set(self.calls.get() + 1);
        self.calls.get()
    }

    /// The faults operation `op` on `key` meets: one armed by the plan, or
    /// one drawn at the plan's rates while the fault window is open.
    pub(crate) fn draw(&self, world: &World, op: &str, key: &str) -> Drawn {
        let put = op == "put";
        let armed = world.faults.take_armed_op(&self.name, |f| {
            !matches!(f, Fault::BucketLostPut { .. }) || put
        });
        let mut drawn = Drawn::default();
        // An armed fault was recorded when the injector armed it.
        let random = armed.is_none();
        let Some(fault) = armed.or_else(|| self.draw_random(world, put)) else {
            return drawn;
        };
        match &fault {
            Fault::BucketError { .. } => drawn.error = true,
            Fault::BucketLostPut { .. } => drawn.lost_put = true,
            Fault::BucketSlow { extra_ms, .. } => drawn.extra = Duration::from_millis(*extra_ms),
            _ => {}
        }
        if random {
            self.record(world, fault, op, key);
        }
        drawn
    }

    /// Records a fault drawn here, as the injector records the faults it
    /// applies. It is not noted as applied: a replay of the run keeps the
    /// bucket's rates, and the bucket draws it again from its own stream.
    fn record(&self, world: &World, fault: Fault, op: &str, key: &str) {
        world.record(
            self.location,
            None,
            0,
            What::FaultInjected {
                fault: fault.kind(),
                target: format!("bucket {} {op} {key}", self.name),
            },
        );
    }

    fn draw_random(&self, world: &World, put: bool) -> Option<Fault> {
        if world.now() >= Duration::from_millis(world.plan.safety_ms) {
            return None;
        }
        let bucket = self.name.clone();
        for kind in FaultKind::BUCKET {
            let rate = self.rates.get(kind).copied().unwrap_or(0.0);
            if rate <= 0.0 || (*kind == FaultKind::BucketLostPut && !put) {
                continue;
            }
            if !self.rng.chance(rate) {
                continue;
            }
            return Some(match kind {
                FaultKind::BucketError => Fault::BucketError { bucket },
                FaultKind::BucketLostPut => Fault::BucketLostPut { bucket },
                _ => {
                    let span = (SLOW_MS.1 - SLOW_MS.0 + 1) as usize;
                    let extra_ms = SLOW_MS.0 + self.rng.below(span) as u64;
                    Fault::BucketSlow { bucket, extra_ms }
                }
            });
        }
        None
    }

    /// A fresh version string: 16 random bytes, as hex.
    pub(crate) fn version(&self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Before `key` is written: keeps its current version for the
    /// `bucket_stale_read` mutation.
    pub(crate) fn before_write(&self, world: &World, key: &str) {
        if !mutations::active(Mutation::BucketStaleRead) {
            return;
        }
        let store = self.store.borrow();
        let stale = Stale {
            stored: store.stored(key).cloned(),
            write: store.last_write(key),
            until: world.now() + STALE_FOR,
        };
        self.stale.borrow_mut().insert(key.to_string(), stale);
    }

    /// What a read of `key` sees now: the stored object and the write that
    /// made it (the previous one, under `bucket_stale_read`).
    pub(crate) fn visible(&self, world: &World, key: &str) -> (Option<Stored>, u64) {
        if mutations::active(Mutation::BucketStaleRead) {
            if let Some(stale) = self.stale.borrow().get(key) {
                if world.now() < stale.until {
                    return (stale.stored.clone(), stale.write);
                }
            }
        }
        let store = self.store.borrow();
        (store.stored(key).cloned(), store.last_write(key))
    }
}
