//! Time for objects and clients: the simulated clock.
//!
//! Inside an object, awaiting [`sleep`] is an await that leaves the object:
//! other events may run meanwhile, and the event continues only once the
//! input gate admits it again (the event wrapper enforces that). Never use
//! `std::thread::sleep` or the wall clock in simulated code.

use std::time::Duration;

/// Waits `duration` of simulated time.
pub async fn sleep(duration: Duration) {
    madsim::time::sleep(duration).await;
}

/// Simulated time since the run started.
///
/// # Panics
/// Outside a dosim run.
pub fn elapsed() -> Duration {
    madsim::time::TimeHandle::try_current()
        .expect("dosim::elapsed() called outside a simulated run")
        .elapsed()
}
