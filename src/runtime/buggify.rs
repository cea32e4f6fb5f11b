//! `buggify`: fault points placed in user code (FoundationDB's idea).
//!
//! `if dosim::buggify() { … }` marks a place where something unusual may
//! happen — a slow path, an early error, a retry. It is false outside a
//! simulated run and in runs whose plan leaves the `buggify` kind off. In a
//! run with it on, each call site (file, line, column) is enabled for the
//! whole run with probability one quarter, decided by the seed; an enabled
//! site fires with the plan's rate, in percent. Firing is a trace event.

use std::hash::{Hash, Hasher};

use crate::sim::faults::FaultKind;
use crate::sim::world;
use crate::trace::What;

/// Whether this fault point fires now. See the module documentation.
///
/// ```
/// // Outside a simulated run it never fires.
/// assert!(!dosim::buggify());
/// ```
#[track_caller]
pub fn buggify() -> bool {
    let Some(world) = world::current() else {
        return false;
    };
    let percent = world.plan.rate(FaultKind::Buggify);
    if percent <= 0.0 {
        return false;
    }
    let site = std::panic::Location::caller();
    // A named hash, so a seed enables the same sites on every toolchain.
    let mut h = crate::trace::stable_hasher();
    (world.seed.0, site.file(), site.line(), site.column()).hash(&mut h);
    if h.finish() % 4 != 0 || !world.buggify_rng.chance(percent) {
        return false;
    }
    let at = world.config().clients().next().unwrap_or_default();
    world.record(
        at,
        None,
        0,
        What::FaultInjected {
            fault: FaultKind::Buggify,
            target: format!("{}:{}", site.file(), site.line()),
        },
    );
    true
}
