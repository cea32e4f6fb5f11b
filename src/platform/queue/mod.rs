//! Queues: producers send messages, a consumer Worker's `queue` handler
//! receives them in batches.
//!
//! Delivery is at least once, as in production: a message comes back after
//! a consumer fails or times out, and now and then twice although it was
//! acknowledged, so a consumer must be idempotent. A message retried more
//! than the queue's `max_retries` goes to its dead-letter queue, if it has
//! one, or is dropped.

mod batch;

pub use batch::{Message, MessageBatch};
