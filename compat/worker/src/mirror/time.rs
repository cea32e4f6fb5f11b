//! `Date` and `Delay` on dosim's simulated clock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, UNIX_EPOCH};

/// A point in time, in milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(u64);

/// How to make a [`Date`].
#[derive(Debug)]
pub enum DateInit {
    /// Milliseconds since the Unix epoch.
    Millis(u64),
    /// An RFC 3339 date; any other text is the epoch (JS would give an
    /// invalid date).
    String(String),
}

impl From<DateInit> for Date {
    fn from(init: DateInit) -> Self {
        Date::new(init)
    }
}

impl Date {
    /// A date from `init`.
    pub fn new(init: DateInit) -> Self {
        match init {
            DateInit::Millis(ms) => Date(ms),
            DateInit::String(s) => Date(
                chrono::DateTime::parse_from_rfc3339(&s)
                    .map_or(0, |d| d.timestamp_millis().max(0) as u64),
            ),
        }
    }

    /// The simulated clock's time.
    pub fn now() -> Self {
        let since_epoch = dosim::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Date(since_epoch.as_millis() as u64)
    }

    /// Milliseconds since the Unix epoch.
    pub fn as_millis(&self) -> u64 {
        self.0
    }
}

impl fmt::Display for Date {
    /// As `toISOString()` writes it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match chrono::DateTime::from_timestamp_millis(self.0 as i64) {
            Some(d) => write!(f, "{}", d.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
            None => write!(f, "Invalid Date"),
        }
    }
}

impl<T: chrono::TimeZone> From<chrono::DateTime<T>> for Date {
    fn from(date: chrono::DateTime<T>) -> Self {
        Date(date.timestamp_millis().max(0) as u64)
    }
}

/// A future that ends after a duration of simulated time
/// (`Delay::from(Duration::from_millis(100)).await`). Inside an object it
/// lets other events in, as a timer does.
pub struct Delay(Pin<Box<dyn Future<Output = ()>>>);

impl fmt::Debug for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Delay")
    }
}

impl From<Duration> for Delay {
    fn from(duration: Duration) -> Self {
        Delay(Box::pin(dosim::sleep(duration)))
    }
}

impl Future for Delay {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}
