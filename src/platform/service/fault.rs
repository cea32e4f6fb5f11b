//! Which fault, if any, hits one call to a service.
//!
//! A fault scheduled for the service's next call comes first; otherwise,
//! while the fault window lasts, each service kind with a rate is drawn in
//! a fixed order from the services' own random stream, and the first that
//! fires hits the call. Runs without service rates draw nothing.

use std::time::Duration;

use crate::sim::faults::FaultKind;
use crate::sim::world::World;

/// How long a caller waits for a service before it gives up. Production
/// has no such bound (a subrequest lasts while its client waits); dosim's
/// callers behave as if they passed `AbortSignal.timeout` with this value.
pub const SERVICE_TIMEOUT: Duration = Duration::from_secs(10);

/// The most a `service_slow` fault adds to a call, in milliseconds.
pub const SERVICE_SLOW_MS_MAX: u64 = 3_000;

/// The least a `service_slow` fault adds, in milliseconds.
const SERVICE_SLOW_MS_MIN: u64 = 100;

/// The fault for the next call to `service`, if one hits it.
pub(super) fn draw(world: &World, service: &str) -> Option<FaultKind> {
    if let Some(kind) = world.faults.take_service_call(service) {
        return Some(kind);
    }
    let window = Duration::from_millis(world.plan.safety_ms);
    if world.faults.services_healed() || world.now() >= window {
        return None;
    }
    FaultKind::SERVICE
        .iter()
        .copied()
        .find(|kind| world.service_rng.chance(world.plan.rate(*kind)))
}

/// The extra latency of a slow call.
pub(super) fn slowness(world: &World) -> Duration {
    let span = (SERVICE_SLOW_MS_MAX - SERVICE_SLOW_MS_MIN + 1) as usize;
    Duration::from_millis(SERVICE_SLOW_MS_MIN + world.service_rng.below(span) as u64)
}

/// Whether a timed-out request reached the service (its handler ran).
pub(super) fn timeout_reached(world: &World) -> bool {
    world.service_rng.chance_percent(50)
}

/// The status of an injected server error: 502 or 503.
pub(super) fn error_status(world: &World) -> u16 {
    if world.service_rng.chance_percent(50) {
        502
    } else {
        503
    }
}
