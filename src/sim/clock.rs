//! Simulated time, as the rest of dosim sees it.
//!
//! madsim owns the clock; this module only measures it from the start of the
//! run, so that traces read `t=12.004s` rather than a random base date, and
//! the same seed gives the same numbers.

use std::cell::{Cell, RefCell};
use std::time::Duration;

use madsim::time::TimeHandle;

/// The run's clock: simulated time since the run started.
///
/// It keeps madsim's time handle, so reading it needs no look-up of the
/// current runtime (it is read for every trace event). After the run's
/// runtime is gone (futures dropped while a run is torn down still
/// record), it reads as the last time it saw.
/// The simulated wall clock's start: what "now" is at t = 0 of every run
/// (2026-01-01T00:00:00Z, in Unix milliseconds). Objects' `now()`, SQL's
/// `datetime('now')` and alarm times all count from it.
pub const SIM_START_UNIX_MS: i64 = 1_767_225_600_000;

/// The old name of [`SIM_START_UNIX_MS`]: "epoch" also names an instance's
/// generation, so the clock's origin is its start.
#[deprecated(note = "renamed to SIM_START_UNIX_MS")]
pub const SIM_EPOCH_UNIX_MS: i64 = SIM_START_UNIX_MS;

pub(crate) struct SimClock {
    /// Released when the run ends: the handle owns madsim's timers, whose
    /// wakers hold the run's pending tasks, which hold the world that holds
    /// this clock — a cycle that would keep every run's memory forever.
    handle: RefCell<Option<TimeHandle>>,
    start: Duration,
    last: Cell<Duration>,
}

impl SimClock {
    /// Starts measuring now. Must be called inside the madsim runtime.
    pub(crate) fn start() -> SimClock {
        let handle = TimeHandle::try_current();
        let start = handle.as_ref().map_or(Duration::ZERO, |h| h.elapsed());
        SimClock {
            handle: RefCell::new(handle),
            start,
            last: Cell::new(Duration::ZERO),
        }
    }

    /// Simulated time since the run started.
    pub(crate) fn elapsed(&self) -> Duration {
        if let Some(h) = &*self.handle.borrow() {
            self.last.set(h.elapsed().saturating_sub(self.start));
        }
        self.last.get()
    }

    /// Lets go of madsim's time handle at the end of the run; from then on
    /// the clock reads as the last time it saw.
    pub(crate) fn release(&self) {
        self.handle.borrow_mut().take();
    }

    /// [`SimClock::elapsed`] in nanoseconds, the unit of trace timestamps.
    pub(crate) fn now_ns(&self) -> u64 {
        self.elapsed().as_nanos() as u64
    }
}

/// Formats nanoseconds of simulated time as seconds with microsecond
/// precision: `12.004123s`.
pub fn format_sim_time(ns: u64) -> String {
    format!(
        "{}.{:06}s",
        ns / 1_000_000_000,
        (ns % 1_000_000_000) / 1_000
    )
}
