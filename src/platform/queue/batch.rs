//! What a consumer's `queue` handler gets: a batch of messages, each to be
//! acknowledged or retried.

use std::cell::Cell;
use std::fmt;
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;

use crate::runtime::error::Result;
use crate::runtime::payload::Payload;

/// What the consumer decided for one message. The first decision counts,
/// as in production: `ack` after `retry` (or the other way round) changes
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Delivered: remove it from the queue.
    Ack,
    /// Deliver it again, after this delay.
    Retry(Duration),
}

/// One message of a batch.
#[derive(Clone)]
pub struct Message {
    id: String,
    timestamp: SystemTime,
    attempts: u32,
    body: Payload,
    verdict: Rc<Cell<Option<Verdict>>>,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl Message {
    pub(crate) fn new(id: String, timestamp: SystemTime, attempts: u32, body: Payload) -> Message {
        Message {
            id,
            timestamp,
            attempts,
            body,
            verdict: Rc::new(Cell::new(None)),
        }
    }

    /// The message's id, unique within its queue; a redelivery keeps it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When the message was sent (simulated wall-clock time).
    pub fn timestamp(&self) -> SystemTime {
        self.timestamp
    }

    /// Which delivery this is: 1 the first time, then 2, 3, …
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The body, decoded as `T` (a fresh copy on every call).
    pub fn body<T: DeserializeOwned>(&self) -> Result<T> {
        self.body
            .decode(|| format!("the body of queue message {}", self.id))
    }

    /// Marks the message delivered: it will not come back for this batch's
    /// outcome (at-least-once delivery may still repeat it).
    pub fn ack(&self) {
        self.decide(Verdict::Ack);
    }

    /// Asks for the message to be delivered again.
    pub fn retry(&self) {
        self.decide(Verdict::Retry(Duration::ZERO));
    }

    /// Asks for the message to be delivered again, not before `delay`.
    pub fn retry_after(&self, delay: Duration) {
        self.decide(Verdict::Retry(delay));
    }

    fn decide(&self, verdict: Verdict) {
        if self.verdict.get().is_none() {
            self.verdict.set(Some(verdict));
        }
    }

    /// What the consumer decided, if anything.
    pub(crate) fn verdict(&self) -> Option<Verdict> {
        self.verdict.get()
    }
}

/// A batch of messages from one queue.
#[derive(Clone, Debug)]
pub struct MessageBatch {
    queue: String,
    messages: Vec<Message>,
}

impl MessageBatch {
    pub(crate) fn new(queue: impl Into<String>, messages: Vec<Message>) -> MessageBatch {
        MessageBatch {
            queue: queue.into(),
            messages,
        }
    }

    /// The queue's name.
    pub fn queue(&self) -> &str {
        &self.queue
    }

    /// The messages, in the order the queue hands them out (not
    /// necessarily the order they were sent).
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// Acknowledges every message not decided yet.
    pub fn ack_all(&self) {
        self.messages.iter().for_each(Message::ack);
    }

    /// Retries every message not decided yet.
    pub fn retry_all(&self) {
        self.messages.iter().for_each(Message::retry);
    }
}
