//! Queues: producers send messages, a consumer Worker's `queue` handler
//! receives them in batches.
//!
//! Delivery is at least once, as in production: a message comes back after
//! a consumer fails or times out, and now and then twice although it was
//! acknowledged, so a consumer must be idempotent. A message retried more
//! than the queue's `max_retries` goes to its dead-letter queue, if it has
//! one, or is dropped. The queue lives at the world's storage location;
//! sends cross the simulated network to it, and its consumer runs there.

mod batch;
pub(crate) mod broker;
mod caught;
mod config;
mod faults;
mod producer;

pub use batch::{Message, MessageBatch};
pub(crate) use broker::Handler;
pub use config::{
    QueueConfig, BATCH_SIZE_MAX, BATCH_TIMEOUT_MAX, CONSUMER_WALL_MAX, DELAY_MAX,
    MESSAGE_BYTES_MAX, RETRIES_MAX, SEND_BATCH_BYTES_MAX, SEND_BATCH_MESSAGES_MAX,
};
pub(crate) use faults::QueueFaults;
pub use producer::{Queue, SendOptions};

/// The binding kind of a queue, as error messages name it.
pub(crate) const KIND: &str = "queue";
