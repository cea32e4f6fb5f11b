//! Time for objects and clients: the simulated clock.
//!
//! Inside an object, awaiting [`sleep`] is an await that leaves the object:
//! other events may run meanwhile, and the event continues only once the
//! input gate admits it again (the event wrapper enforces that). Never use
//! `std::thread::sleep` or the wall clock in simulated code.

use std::time::Duration;

use crate::sim::clock::SIM_START_UNIX_MS;
use crate::sim::world::World;

/// Waits `duration` of simulated time.
pub async fn sleep(duration: Duration) {
    madsim::time::sleep(duration).await;
}

/// Simulated time since the run started.
///
/// # Panics
/// Outside a dosim run.
pub fn elapsed() -> Duration {
    run_elapsed("dosim::elapsed()")
}

/// Simulated time since the run started; outside a run, panics naming
/// `caller`, the public function the user called.
fn run_elapsed(caller: &str) -> Duration {
    match madsim::time::TimeHandle::try_current() {
        Some(handle) => handle.elapsed(),
        None => panic!(
            "{caller} called outside a simulated run: it reads the simulated clock, \
             which exists only inside a dosim test body or object"
        ),
    }
}

/// The simulated wall clock: what `Date.now()` would say. A run starts at
/// 2026-01-01T00:00:00Z and advances with simulated time; SQL's
/// `datetime('now')` reads the same clock.
///
/// # Panics
/// Outside a dosim run.
pub fn now() -> std::time::SystemTime {
    sim_epoch() + run_elapsed("dosim::now()")
}

/// The wall-clock time at which every run starts.
pub(crate) fn sim_epoch() -> std::time::SystemTime {
    let ms = crate::sim::clock::SIM_START_UNIX_MS.unsigned_abs();
    std::time::UNIX_EPOCH + Duration::from_millis(ms)
}

/// Simulated time since the run began at `time`, or `None` before it.
pub(crate) fn since_start(time: std::time::SystemTime) -> Option<Duration> {
    time.duration_since(sim_epoch()).ok()
}

/// The simulated wall clock of `world`, in Unix milliseconds.
pub(crate) fn now_unix_ms(world: &World) -> i64 {
    let elapsed = i64::try_from(world.now().as_millis()).unwrap_or(i64::MAX);
    SIM_START_UNIX_MS.saturating_add(elapsed)
}
