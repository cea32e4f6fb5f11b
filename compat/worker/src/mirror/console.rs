//! `console_log!` and its siblings: the run's log (`tracing`, target
//! `console`), which dosim shows with `RUST_LOG` and keeps out of traces.

/// Logs at `info` level, as `console.log`.
#[macro_export]
macro_rules! console_log {
    ($($t:tt)*) => { $crate::__private::tracing::info!(target: "console", "{}", format_args!($($t)*)) };
}

/// Logs at `debug` level, as `console.debug`.
#[macro_export]
macro_rules! console_debug {
    ($($t:tt)*) => { $crate::__private::tracing::debug!(target: "console", "{}", format_args!($($t)*)) };
}

/// Logs at `warn` level, as `console.warn`.
#[macro_export]
macro_rules! console_warn {
    ($($t:tt)*) => { $crate::__private::tracing::warn!(target: "console", "{}", format_args!($($t)*)) };
}

/// Logs at `error` level, as `console.error`.
#[macro_export]
macro_rules! console_error {
    ($($t:tt)*) => { $crate::__private::tracing::error!(target: "console", "{}", format_args!($($t)*)) };
}
