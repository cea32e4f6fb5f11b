//! The faults in force right now: who cannot reach whom, which hosts are
//! down, who is paused, how slow storage is, how lossy the network is.
//!
//! The injector (in the runtime) writes this state as it applies a plan;
//! the network and the storage service read it on every message and commit.
//! Healing is just writing the state back.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::world_config::LocationId;

/// See the module documentation.
#[derive(Default)]
pub(crate) struct FaultState {
    partitions: RefCell<BTreeSet<(LocationId, LocationId)>>,
    down: RefCell<BTreeSet<LocationId>>,
    paused_until: RefCell<BTreeMap<LocationId, Duration>>,
    failing_commits: RefCell<BTreeSet<LocationId>>,
    slow_storage: Cell<(Duration, Duration)>,
    loss_percent: Cell<f64>,
    /// Faults scheduled against a platform service, waiting for the
    /// service's next operation they apply to: (kind, service name) → how
    /// many.
    armed: RefCell<BTreeMap<(super::faults::FaultKind, String), u32>>,
    /// Faults waiting for the next call to a service, by service name.
    service_calls: RefCell<BTreeMap<String, std::collections::VecDeque<super::faults::FaultKind>>>,
    /// Random service faults stopped (the world healed).
    services_healed: Cell<bool>,
    /// Faults a plan scheduled for a bucket's next operation, by the
    /// bucket's binding name, oldest first.
    armed_ops: RefCell<BTreeMap<String, Vec<super::faults::Fault>>>,
}

fn pair(a: LocationId, b: LocationId) -> (LocationId, LocationId) {
    (a.min(b), a.max(b))
}

impl FaultState {
    /// Cuts `a` off from `b`, both ways.
    pub(crate) fn partition(&self, a: LocationId, b: LocationId) {
        self.partitions.borrow_mut().insert(pair(a, b));
    }

    /// Repairs the link between `a` and `b`.
    pub(crate) fn repair(&self, a: LocationId, b: LocationId) {
        self.partitions.borrow_mut().remove(&pair(a, b));
    }

    /// Whether `a` and `b` cannot reach each other.
    pub(crate) fn cut(&self, a: LocationId, b: LocationId) -> bool {
        a != b && self.partitions.borrow().contains(&pair(a, b))
    }

    /// A host went down.
    pub(crate) fn crash(&self, host: LocationId) {
        self.down.borrow_mut().insert(host);
    }

    /// A host is back.
    pub(crate) fn restart(&self, host: LocationId) {
        self.down.borrow_mut().remove(&host);
    }

    /// Whether `loc` is down.
    pub(crate) fn is_down(&self, loc: LocationId) -> bool {
        self.down.borrow().contains(&loc)
    }

    /// `loc` stalls until simulated time `until`.
    pub(crate) fn pause(&self, loc: LocationId, until: Duration) {
        let mut p = self.paused_until.borrow_mut();
        let end = p.entry(loc).or_default();
        *end = (*end).max(until);
    }

    /// How long `loc` must still wait, at the time `now` reads. The clock
    /// is read only if some location was ever paused: every call asks,
    /// twice, and most runs pause nothing.
    pub(crate) fn paused_for(&self, loc: LocationId, now: impl FnOnce() -> Duration) -> Duration {
        let paused = self.paused_until.borrow();
        if paused.is_empty() {
            return Duration::ZERO;
        }
        paused
            .get(&loc)
            .map_or(Duration::ZERO, |until| until.saturating_sub(now()))
    }

    /// The next commit from `host` fails.
    pub(crate) fn fail_next_commit(&self, host: LocationId) {
        self.failing_commits.borrow_mut().insert(host);
    }

    /// Whether the next commit from `host` fails (and clears it if so).
    pub(crate) fn take_failing_commit(&self, host: LocationId) -> bool {
        self.failing_commits.borrow_mut().remove(&host)
    }

    /// Confirmations take `extra` longer until `until`.
    pub(crate) fn slow_storage(&self, extra: Duration, until: Duration) {
        self.slow_storage.set((extra, until));
    }

    /// Extra confirmation delay at time `now`.
    pub(crate) fn storage_extra(&self, now: Duration) -> Duration {
        let (extra, until) = self.slow_storage.get();
        if now < until {
            extra
        } else {
            Duration::ZERO
        }
    }

    /// Percent of messages dropped.
    pub(crate) fn set_loss_percent(&self, percent: f64) {
        self.loss_percent.set(percent.clamp(0.0, 100.0));
    }

    pub(crate) fn loss_percent(&self) -> f64 {
        self.loss_percent.get()
    }

    /// Arms one fault of `kind` against the service named `target`; the
    /// service fires it on its next operation it applies to.
    pub(crate) fn arm(&self, kind: super::faults::FaultKind, target: &str) {
        *self
            .armed
            .borrow_mut()
            .entry((kind, target.to_string()))
            .or_insert(0) += 1;
    }

    /// Takes one armed fault of `kind` against `target`, if there is one.
    pub(crate) fn take_armed(&self, kind: super::faults::FaultKind, target: &str) -> bool {
        let mut armed = self.armed.borrow_mut();
        let key = (kind, target.to_string());
        match armed.get_mut(&key) {
            Some(n) if *n > 1 => {
                *n -= 1;
                true
            }
            Some(_) => {
                armed.remove(&key);
                true
            }
            None => false,
        }
    }

    /// The world heals: links repaired, no more loss or slowness. Crashed
    /// hosts restart through their own scheduled restart.
    pub(crate) fn heal(&self) {
        self.partitions.borrow_mut().clear();
        self.loss_percent.set(0.0);
        self.slow_storage.set((Duration::ZERO, Duration::ZERO));
        self.failing_commits.borrow_mut().clear();
        self.armed.borrow_mut().clear();
        self.armed_ops.borrow_mut().clear();
        self.services_healed.set(true);
    }

    /// The next call to `service` suffers `fault`.
    pub(crate) fn arm_service_call(&self, service: &str, fault: super::faults::FaultKind) {
        self.service_calls
            .borrow_mut()
            .entry(service.to_string())
            .or_default()
            .push_back(fault);
    }

    /// The fault armed for the next call to `service`, if any (taken).
    pub(crate) fn take_service_call(&self, service: &str) -> Option<super::faults::FaultKind> {
        self.service_calls
            .borrow_mut()
            .get_mut(service)
            .and_then(|armed| armed.pop_front())
    }

    /// Whether random service faults have stopped.
    pub(crate) fn services_healed(&self) -> bool {
        self.services_healed.get()
    }

    /// Arms `fault` for the next operation of the service bound to `name`
    /// that it applies to.
    pub(crate) fn arm_op(&self, name: &str, fault: super::faults::Fault) {
        self.armed_ops
            .borrow_mut()
            .entry(name.to_string())
            .or_default()
            .push(fault);
    }

    /// Takes the oldest fault armed for `name` that `applies` accepts.
    pub(crate) fn take_armed_op(
        &self,
        name: &str,
        applies: impl Fn(&super::faults::Fault) -> bool,
    ) -> Option<super::faults::Fault> {
        let mut armed = self.armed_ops.borrow_mut();
        let list = armed.get_mut(name)?;
        let at = list.iter().position(applies)?;
        Some(list.remove(at))
    }
}
