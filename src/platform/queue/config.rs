//! A queue's settings, as `wrangler.toml` sets a queue and its consumer,
//! checked against the product's limits when the queue is bound.

use std::time::Duration;

use crate::runtime::error::{Error, Result};

/// The largest message, in bytes (1 KB = 1000 B, as the product counts).
pub const MESSAGE_BYTES_MAX: usize = 128_000;
/// The most messages one `send_batch` may carry.
pub const SEND_BATCH_MESSAGES_MAX: usize = 100;
/// The most bytes one `send_batch` may carry.
pub const SEND_BATCH_BYTES_MAX: usize = 256_000;
/// The largest `max_batch_size` a consumer may ask for.
pub const BATCH_SIZE_MAX: usize = 100;
/// The longest `max_batch_timeout` a consumer may ask for.
pub const BATCH_TIMEOUT_MAX: Duration = Duration::from_secs(60);
/// The largest `max_retries`.
pub const RETRIES_MAX: u32 = 100;
/// The longest delay a send (or a retry) may ask for: 12 hours, the
/// documented bound (newer texts allow 24 hours; dosim keeps the smaller).
pub const DELAY_MAX: Duration = Duration::from_secs(12 * 60 * 60);
/// How long one consumer invocation may run before it is cut off and its
/// undecided messages are retried: the product's 15-minute wall clock.
pub const CONSUMER_WALL_MAX: Duration = Duration::from_secs(15 * 60);

/// A queue and its consumer's settings. Defaults are production's: batches
/// of 10, a 5 s batch timeout, 3 retries, no dead-letter queue, no retry
/// delay.
///
/// ```
/// use std::time::Duration;
/// use dosim::platform::queue::QueueConfig;
/// let config = QueueConfig::default()
///     .max_batch_size(20)
///     .max_batch_timeout(Duration::from_secs(2))
///     .max_retries(5)
///     .dead_letter_queue("jobs-dlq")
///     .retry_delay(Duration::from_secs(1));
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct QueueConfig {
    pub(crate) max_batch_size: usize,
    pub(crate) max_batch_timeout: Duration,
    pub(crate) max_retries: u32,
    pub(crate) dead_letter_queue: Option<String>,
    pub(crate) retry_delay: Duration,
}

impl Default for QueueConfig {
    fn default() -> QueueConfig {
        QueueConfig {
            max_batch_size: 10,
            max_batch_timeout: Duration::from_secs(5),
            max_retries: 3,
            dead_letter_queue: None,
            retry_delay: Duration::ZERO,
        }
    }
}

impl QueueConfig {
    /// The most messages handed to the consumer at once (1 to 100).
    pub fn max_batch_size(mut self, n: usize) -> QueueConfig {
        self.max_batch_size = n;
        self
    }

    /// How long the oldest waiting message waits for a batch to fill
    /// before a smaller batch goes out (at most 60 s).
    pub fn max_batch_timeout(mut self, timeout: Duration) -> QueueConfig {
        self.max_batch_timeout = timeout;
        self
    }

    /// How many times a message is retried before it is dead-lettered or
    /// dropped (at most 100): it is delivered at most `n + 1` times.
    pub fn max_retries(mut self, n: u32) -> QueueConfig {
        self.max_retries = n;
        self
    }

    /// The queue that receives the messages that ran out of retries.
    pub fn dead_letter_queue(mut self, name: impl Into<String>) -> QueueConfig {
        self.dead_letter_queue = Some(name.into());
        self
    }

    /// How long a retried message waits before it is delivered again,
    /// unless its `retry_after` says otherwise (at most 12 h).
    pub fn retry_delay(mut self, delay: Duration) -> QueueConfig {
        self.retry_delay = delay;
        self
    }

    /// Checks the settings against the product's limits.
    pub(crate) fn validate(&self, queue: &str) -> Result<()> {
        let bad = |what: String| Err(Error::range_error(format!("queue `{queue}`: {what}")));
        if self.max_batch_size == 0 || self.max_batch_size > BATCH_SIZE_MAX {
            return bad(format!(
                "max_batch_size must be between 1 and {BATCH_SIZE_MAX}, not {}",
                self.max_batch_size
            ));
        }
        if self.max_batch_timeout > BATCH_TIMEOUT_MAX {
            return bad(format!(
                "max_batch_timeout must be at most {}s, not {:?}",
                BATCH_TIMEOUT_MAX.as_secs(),
                self.max_batch_timeout
            ));
        }
        if self.max_retries > RETRIES_MAX {
            return bad(format!(
                "max_retries must be at most {RETRIES_MAX}, not {}",
                self.max_retries
            ));
        }
        if self.retry_delay > DELAY_MAX {
            return bad(format!(
                "retry_delay must be at most {}s, not {:?}",
                DELAY_MAX.as_secs(),
                self.retry_delay
            ));
        }
        if self.dead_letter_queue.as_deref() == Some(queue) {
            return bad("a queue cannot be its own dead-letter queue".to_string());
        }
        Ok(())
    }
}
