//! Logs on simulated time.
//!
//! `tracing` output from a run is only useful if its timestamps are the
//! run's own clock: wall-clock stamps differ on every replay and say nothing
//! about the order of simulated events. [`init_logging`] installs a
//! `tracing-subscriber` formatter whose timer reads madsim's clock.

use std::fmt;

use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::EnvFilter;

/// Stamps log lines with simulated time since the simulated epoch, or `-`
/// outside a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimTime;

impl FormatTime for SimTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        match madsim::time::TimeHandle::try_current() {
            Some(handle) => {
                let e = handle.elapsed();
                write!(w, "t={}.{:06}s", e.as_secs(), e.subsec_micros())
            }
            None => write!(w, "t=-"),
        }
    }
}

/// Installs a log subscriber stamped with simulated time, filtered by
/// `DOSIM_LOG` (same syntax as `RUST_LOG`; default `warn`). Calling it twice
/// is harmless; sweeps call it themselves when `DOSIM_LOG` is set.
///
/// ```
/// dosim::init_logging();
/// ```
pub fn init_logging() {
    let filter = crate::settings::Settings::get()
        .log
        .as_deref()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_timer(SimTime)
        .with_test_writer()
        .try_init();
}
