//! One KV operation, end to end: how it crosses the simulated network and
//! where its faults come in.
//!
//! The namespace's central store lives at the world's storage location. An
//! operation made inside an object first passes the object's output gate
//! (it is outgoing, like a stub call), then travels there and back with the
//! network's latencies; other events reach the object while it waits, as
//! for any await outside storage. A request or an answer the network drops
//! fails the operation with a lost connection — after the store may
//! already have done the work, as in production.
//!
//! Fault model (rates are percents of operations, drawn from the
//! namespace's own stream, only inside the plan's fault window):
//! `kv_failure` fails the operation before the store sees it, with `KV
//! <METHOD> failed: 503 Service Unavailable`; `kv_slow` adds 0.1 to 2 s
//! before it reaches the store; `kv_stale` makes the copy a read caches
//! live its whole staleness bound. Each injection is a trace event.

use std::time::Duration;

use super::limits::failed;
use super::store::Store;
use super::KvNamespace;
use crate::runtime::context;
use crate::runtime::error::{Error, Result};
use crate::sim::clock::SIM_START_UNIX_MS;
use crate::sim::faults::FaultKind;
use crate::sim::network::transmit;
use crate::trace::What;

/// When an operation reached the store, and how.
pub(crate) struct At {
    /// Simulated time since the run began.
    pub(crate) now: Duration,
    /// The same, in whole seconds since the Unix epoch.
    pub(crate) unix_s: u64,
    /// Whether a read caches its copy for the whole bound (`kv_stale`).
    pub(crate) stale: bool,
}

impl KvNamespace {
    /// Runs `op` on the store as operation `method` (`GET`, `PUT`, …) of
    /// this handle's location, across the network and through the faults;
    /// `reads_key` says whether it reads one key (and may cache a stale
    /// copy).
    pub(crate) async fn call<T>(
        &self,
        method: &'static str,
        reads_key: bool,
        op: impl FnOnce(&mut Store, &At) -> Result<T>,
    ) -> Result<T> {
        if let Some(ctx) = context::current() {
            // An operation from an object is output: it waits for the
            // object's writes to be confirmed.
            if ctx.instance.release_output(ctx.event).await.is_err() {
                return Err(Error::connection_lost());
            }
        }
        let world = self.rt.world.clone();
        let service = world.config().storage();
        let (fail, slow, stale) = self.draw_faults(reads_key);
        if let Some(extra) = slow {
            madsim::time::sleep(extra).await;
        }
        if transmit(&world, self.origin, service).await.is_err() {
            return Err(Error::connection_lost());
        }
        if fail {
            return Err(failed(method, 503, "Service Unavailable"));
        }
        let now = world.now();
        let at = At {
            now,
            unix_s: unix_seconds(now),
            stale,
        };
        let answer = op(&mut self.service.store.borrow_mut(), &at);
        if transmit(&world, service, self.origin).await.is_err() {
            return Err(Error::connection_lost());
        }
        answer
    }

    /// This operation's faults: whether it fails, how much slower it is,
    /// whether its read caches a stale copy; each one injected is recorded.
    fn draw_faults(&self, reads_key: bool) -> (bool, Option<Duration>, bool) {
        let world = &self.rt.world;
        let plan = &world.plan;
        if world.now() >= Duration::from_millis(plan.safety_ms()) {
            return (false, None, false);
        }
        let store = self.service.store.borrow();
        let rng = &store.rng;
        let fail = rng.chance(plan.rate(FaultKind::KvFailure));
        let slow = rng
            .chance(plan.rate(FaultKind::KvSlow))
            .then(|| Duration::from_millis(100 + rng.below(1_901) as u64));
        let stale = reads_key && rng.chance(plan.rate(FaultKind::KvStale));
        drop(store);
        let target = |detail: String| format!("{} at {detail}", self.service.name);
        let here = world.config().location(self.origin).name.clone();
        for (kind, on, detail) in [
            (FaultKind::KvFailure, fail, here.clone()),
            (
                FaultKind::KvSlow,
                slow.is_some(),
                format!("{here} (+{}ms)", slow.unwrap_or_default().as_millis()),
            ),
            (FaultKind::KvStale, stale, here.clone()),
        ] {
            if on {
                world.record(
                    self.origin,
                    None,
                    0,
                    What::FaultInjected {
                        fault: kind,
                        target: target(detail),
                    },
                );
            }
        }
        (fail, slow, stale)
    }
}

/// `since_start` as whole seconds since the Unix epoch.
pub(crate) fn unix_seconds(since_start: Duration) -> u64 {
    let ms = SIM_START_UNIX_MS.max(0) as u64 + since_start.as_millis() as u64;
    ms / 1000
}
