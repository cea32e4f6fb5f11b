//! Simulated time, as the rest of dosim sees it.
//!
//! madsim owns the clock; this module only measures it from the start of the
//! run, so that traces read `t=12.004s` rather than a random base date, and
//! the same seed gives the same numbers.
//!
//! Reading madsim's clock takes a lock, and the runtime reads it for every
//! trace entry, several per task poll. But madsim moves time only between
//! polls, never during one, so the clock keeps the time it read during a
//! poll of one of dosim's tasks (each such poll is stamped, see
//! [`in_task_poll`]) and answers from it for the rest of that poll.
//! Invariant: a kept time is the time madsim reads (checked in debug
//! builds on every answer from it). Only a task that moved madsim's clock
//! itself, mid-poll (`madsim::time::advance`, which dosim never calls),
//! could break it.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use madsim::time::TimeHandle;

/// The simulated wall clock's start: what "now" is at t = 0 of every run
/// (2026-01-01T00:00:00Z, in Unix milliseconds). Objects' `now()`, SQL's
/// `datetime('now')` and alarm times all count from it.
pub const SIM_START_UNIX_MS: i64 = 1_767_225_600_000;

/// The old name of [`SIM_START_UNIX_MS`]: "epoch" also names an instance's
/// generation, so the clock's origin is its start.
#[deprecated(note = "renamed to SIM_START_UNIX_MS")]
pub const SIM_EPOCH_UNIX_MS: i64 = SIM_START_UNIX_MS;

/// The run's clock: simulated time since the run started.
///
/// It keeps madsim's time handle, so reading it needs no look-up of the
/// current runtime (it is read for every trace event). After the run's
/// runtime is gone (futures dropped while a run is torn down still
/// record), it reads as the last time it saw.
pub(crate) struct SimClock {
    /// Released when the run ends: the handle owns madsim's timers, whose
    /// wakers hold the run's pending tasks, which hold the world that holds
    /// this clock — a cycle that would keep every run's memory forever.
    handle: RefCell<Option<TimeHandle>>,
    start: Duration,
    last: Cell<Duration>,
    /// `last` in nanoseconds, the unit of trace timestamps: worked out
    /// once per reading rather than once per trace event.
    last_ns: Cell<u64>,
    /// The stamp of the task poll in which `last` was read, if it was read
    /// in one (0: not).
    read_in: Cell<u64>,
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
            last_ns: Cell::new(0),
            read_in: Cell::new(0),
        }
    }

    /// Simulated time since the run started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.refresh();
        self.last.get()
    }

    /// Reads madsim's clock unless this task poll read it already.
    #[inline]
    fn refresh(&self) {
        let poll = POLL.with(Cell::get);
        if poll != 0 && self.read_in.get() == poll {
            debug_assert_eq!(
                self.last.get(),
                self.read(),
                "invariant clock-still-in-poll: madsim's time moved during a task poll"
            );
            return;
        }
        self.read();
        self.read_in.set(poll);
    }

    /// Reads madsim's clock (once the run is over, the last time seen).
    fn read(&self) -> Duration {
        if let Some(h) = &*self.handle.borrow() {
            let now = h.elapsed().saturating_sub(self.start);
            self.last.set(now);
            self.last_ns.set(now.as_nanos() as u64);
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
        self.refresh();
        self.last_ns.get()
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

thread_local! {
    /// The stamp of the dosim task being polled on this thread (0: none).
    static POLL: Cell<u64> = const { Cell::new(0) };
    /// The last stamp handed out on this thread; stamps never repeat.
    static STAMPS: Cell<u64> = const { Cell::new(0) };
}

/// `fut`, each poll of which gets a fresh stamp: the clock may keep what
/// it read for the rest of that poll. Every task dosim spawns is wrapped
/// in one (see `world::spawn`).
pub(crate) fn in_task_poll<F: Future>(fut: F) -> InTaskPoll<F> {
    InTaskPoll { fut }
}

pin_project_lite::pin_project! {
    /// See [`in_task_poll`].
    pub(crate) struct InTaskPoll<F> {
        #[pin]
        fut: F,
    }
}

impl<F: Future> Future for InTaskPoll<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Restore(u64);
        impl Drop for Restore {
            fn drop(&mut self) {
                POLL.with(|p| p.set(self.0));
            }
        }
        let stamp = STAMPS.with(|s| {
            let next = s.get() + 1;
            s.set(next);
            next
        });
        let _restore = Restore(POLL.with(|p| p.replace(stamp)));
        self.project().fut.poll(cx)
    }
}
