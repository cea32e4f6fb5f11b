//! The producer's side: `env.queue("JOBS")?.send(&body)`.
//!
//! A send crosses the simulated network to the queue and back. From inside
//! an object it is output: it first waits for the object's writes to be
//! confirmed (the output gate), and while it is out other events may run
//! (the input gate is open, as for any call leaving the object). It
//! resolves once the queue has written the messages; an error means they
//! may or may not have been written (a lost acknowledgement), so a producer
//! that retries must expect duplicates.

use std::fmt;
use std::rc::Rc;
use std::time::Duration;

use serde::Serialize;

use super::broker::Broker;
use super::config::{DELAY_MAX, MESSAGE_BYTES_MAX, SEND_BATCH_BYTES_MAX, SEND_BATCH_MESSAGES_MAX};
use super::KIND;
use crate::runtime::context;
use crate::runtime::env::Env;
use crate::runtime::error::{Error, Result};
use crate::runtime::payload::Payload;
use crate::sim::faults::FaultKind;
use crate::sim::network::transmit_drawing;
use crate::sim::world_config::LocationId;

/// Options of one send.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct SendOptions {
    /// How long the message waits before it may be delivered (at most
    /// 12 h).
    pub delay: Duration,
}

impl SendOptions {
    /// Options that delay the message by `delay`.
    pub fn delay(delay: Duration) -> SendOptions {
        SendOptions { delay }
    }
}

/// A producer binding: sends messages to one queue.
#[derive(Clone)]
pub struct Queue {
    broker: Rc<Broker>,
    origin: LocationId,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Queue({})", self.broker.name)
    }
}

impl Env {
    /// The queue bound to `name` (with [`Sim::queue`](crate::Sim::queue)),
    /// to send messages to.
    pub fn queue(&self, name: &str) -> Result<Queue> {
        let broker = self.platform::<Broker>(name, KIND, "Sim::queue")?;
        Ok(Queue::new(broker, self.origin()))
    }
}

impl crate::runtime::client::Client {
    /// The queue bound to `name`, to send messages to from this client.
    pub fn queue(&self, name: &str) -> Result<Queue> {
        self.env().queue(name)
    }
}

impl Queue {
    pub(crate) fn new(broker: Rc<Broker>, origin: LocationId) -> Queue {
        Queue { broker, origin }
    }

    /// The queue's binding name.
    pub fn name(&self) -> &str {
        &self.broker.name
    }

    /// Sends one message.
    pub async fn send<T: Serialize + ?Sized>(&self, body: &T) -> Result<()> {
        self.send_with(body, SendOptions::default()).await
    }

    /// Sends one message with `options`.
    pub async fn send_with<T: Serialize + ?Sized>(
        &self,
        body: &T,
        options: SendOptions,
    ) -> Result<()> {
        let payload = encode(body, "send")?;
        if payload.len() > MESSAGE_BYTES_MAX {
            return Err(failed(
                "send",
                format!(
                    "message length of {} bytes exceeds limit of {MESSAGE_BYTES_MAX}",
                    payload.len()
                ),
            ));
        }
        check_delay(options.delay, "send")?;
        self.deliver("send", vec![payload], options.delay).await
    }

    /// Sends several messages at once: all are written, or the call fails.
    pub async fn send_batch<T: Serialize>(&self, bodies: &[T], options: SendOptions) -> Result<()> {
        if bodies.is_empty() {
            return Err(Error::type_error(
                "sendBatch() requires at least one message",
            ));
        }
        if bodies.len() > SEND_BATCH_MESSAGES_MAX {
            return Err(failed(
                "sendBatch",
                format!(
                    "batch message count of {} exceeds limit of {SEND_BATCH_MESSAGES_MAX}",
                    bodies.len()
                ),
            ));
        }
        check_delay(options.delay, "sendBatch")?;
        let payloads = bodies
            .iter()
            .map(|b| encode(b, "sendBatch"))
            .collect::<Result<Vec<_>>>()?;
        if let Some(big) = payloads.iter().find(|p| p.len() > MESSAGE_BYTES_MAX) {
            return Err(failed(
                "sendBatch",
                format!(
                    "message in batch has length {} bytes which exceeds single message size limit of {MESSAGE_BYTES_MAX}",
                    big.len()
                ),
            ));
        }
        let total: usize = payloads.iter().map(Payload::len).sum();
        if total > SEND_BATCH_BYTES_MAX {
            return Err(failed(
                "sendBatch",
                format!("batch size of {total} bytes exceeds limit of {SEND_BATCH_BYTES_MAX}"),
            ));
        }
        self.deliver("sendBatch", payloads, options.delay).await
    }

    /// Carries checked messages to the queue and its acknowledgement back.
    async fn deliver(&self, op: &str, payloads: Vec<Payload>, delay: Duration) -> Result<()> {
        let broker = &self.broker;
        let world = &broker.rt.world;
        if let Some(ctx) = context::current() {
            // A send from an object is output: it waits for its writes.
            if ctx.instance.release_output(ctx.event).await.is_err() {
                return Err(Error::connection_lost());
            }
        }
        let lost = || failed(op, "Network connection lost.".to_string());
        transmit_drawing(world, &broker.rng, self.origin, broker.location)
            .await
            .map_err(|_| lost())?;
        if broker.faults.fires(
            world,
            &broker.rng,
            FaultKind::QueueSendFailure,
            &broker.name,
        ) {
            return Err(failed(op, "Unknown Internal Error (15000)".to_string()));
        }
        for payload in payloads {
            broker.enqueue(payload, delay);
        }
        transmit_drawing(world, &broker.rng, broker.location, self.origin)
            .await
            .map_err(|_| lost())
    }
}

fn encode<T: Serialize + ?Sized>(body: &T, op: &str) -> Result<Payload> {
    Payload::encode(body, || format!("the body of a queue {op}()"))
}

fn check_delay(delay: Duration, op: &str) -> Result<()> {
    if delay > DELAY_MAX {
        return Err(failed(
            op,
            format!(
                "delay of {}s exceeds limit of {}s",
                delay.as_secs(),
                DELAY_MAX.as_secs()
            ),
        ));
    }
    Ok(())
}

/// The product's error for a failed send: `Queue send failed: <cause>`.
fn failed(op: &str, cause: String) -> Error {
    Error::new(format!("Queue {op} failed: {cause}"))
}
