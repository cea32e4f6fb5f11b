//! The queue itself: what it holds, and how it hands batches to its
//! consumer.
//!
//! A message is held from its acknowledged send until the consumer acks it,
//! or it runs out of retries (dead-lettered, or dropped when the queue has
//! no dead-letter queue). Every held message counts as a call still out,
//! so the run's liveness phase waits for the queue to drain, and the
//! `queue_delivery` monitor can ask that every message reached an end.
//!
//! One batch is with the consumer at a time (production runs several
//! invocations concurrently; dosim keeps one, which still lets batches
//! interleave with everything else in the world). A batch goes out when
//! `max_batch_size` messages are ready, or when the oldest ready message
//! has waited `max_batch_timeout`. Its messages are in a seeded order, not
//! the order they were sent.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use futures::channel::mpsc;
use futures::future::LocalBoxFuture;
use futures::StreamExt;

use super::batch::{Message, MessageBatch, Verdict};
use super::config::{QueueConfig, CONSUMER_WALL_MAX};
use super::faults::QueueFaults;
use crate::mutations::{self, Mutation};
use crate::platform::worker::Context;
use crate::runtime::env::Env;
use crate::runtime::error::Result;
use crate::runtime::payload::Payload;
use crate::runtime::runtime::Runtime;
use crate::sim::faults::FaultKind;
use crate::sim::rng::RunRng;
use crate::sim::world::World;
use crate::sim::world_config::LocationId;
use crate::trace::What;

/// A consumer Worker's `queue` handler, with its class erased.
pub(crate) type Handler =
    Rc<dyn Fn(MessageBatch, Env, Context) -> LocalBoxFuture<'static, Result<()>>>;

/// The longest a crashed consumer runs before it dies.
const CRASH_AFTER_MAX_MS: usize = 50;

/// One message the queue holds.
struct Held {
    number: u64,
    body: Payload,
    timestamp: SystemTime,
    /// Deliveries so far.
    attempts: u32,
    /// When it may be delivered (after a send's or a retry's delay).
    ready_at: Duration,
}

/// See the module documentation.
pub(crate) struct Broker {
    pub(crate) name: String,
    config: QueueConfig,
    pub(crate) rt: Rc<Runtime>,
    /// Where the queue (and its consumer) runs.
    pub(crate) location: LocationId,
    pub(crate) rng: RunRng,
    pub(crate) faults: QueueFaults,
    next_number: Cell<u64>,
    held: RefCell<Vec<Held>>,
    consumer: RefCell<Option<Handler>>,
    wake: mpsc::UnboundedSender<()>,
    woken: RefCell<Option<mpsc::UnboundedReceiver<()>>>,
}

impl Broker {
    pub(crate) fn new(
        name: &str,
        config: QueueConfig,
        rt: Rc<Runtime>,
        rng: RunRng,
        faults: QueueFaults,
    ) -> Broker {
        let (wake, woken) = mpsc::unbounded();
        let location = rt.world.config().storage();
        Broker {
            name: name.to_string(),
            config,
            rt,
            location,
            rng,
            faults,
            next_number: Cell::new(0),
            held: RefCell::new(Vec::new()),
            consumer: RefCell::new(None),
            wake,
            woken: RefCell::new(Some(woken)),
        }
    }

    fn world(&self) -> &Rc<World> {
        &self.rt.world
    }

    fn record(&self, what: What) {
        self.world().record(self.location, None, 0, what);
    }

    /// Takes a message in: recorded as sent, held until it reaches an end.
    pub(crate) fn enqueue(&self, body: Payload, delay: Duration) {
        let number = self.next_number.get() + 1;
        self.next_number.set(number);
        let world = self.world();
        world.call_opened();
        self.record(What::QueueSent {
            queue: self.name.clone(),
            message: number,
        });
        self.hold(Held {
            number,
            body,
            timestamp: crate::runtime::time::now(),
            attempts: 0,
            ready_at: world.now() + delay,
        });
    }

    fn hold(&self, held: Held) {
        self.held.borrow_mut().push(held);
        let _ = self.wake.unbounded_send(());
    }

    /// Names the consumer and starts delivering (once).
    pub(crate) fn set_consumer(self: &Rc<Self>, handler: Handler) {
        *self.consumer.borrow_mut() = Some(handler);
        if let Some(woken) = self.woken.borrow_mut().take() {
            let broker = self.clone();
            crate::sim::world::spawn_task(&self.world().clone(), broker.deliver_forever(woken));
        }
    }

    async fn deliver_forever(self: Rc<Self>, mut woken: mpsc::UnboundedReceiver<()>) {
        loop {
            let now = self.world().now();
            if let Some(batch) = self.take_batch(now) {
                self.deliver(batch).await;
                continue;
            }
            match self.next_due(now) {
                Some(due) => {
                    let sleep = Box::pin(madsim::time::sleep(due.saturating_sub(now)));
                    futures::future::select(sleep, woken.next()).await;
                }
                None => {
                    woken.next().await;
                }
            }
            while woken.try_recv().is_ok() {}
        }
    }

    /// The messages of the next batch, if one is due now.
    fn take_batch(&self, now: Duration) -> Option<Vec<Held>> {
        let mut held = self.held.borrow_mut();
        let ready: Vec<usize> = (0..held.len())
            .filter(|i| held[*i].ready_at <= now)
            .collect();
        let oldest = ready.iter().map(|i| held[*i].ready_at).min()?;
        if ready.len() < self.config.max_batch_size && oldest + self.config.max_batch_timeout > now
        {
            return None;
        }
        // Oldest first, then in a seeded order within the batch.
        let mut chosen = ready;
        chosen.sort_by_key(|i| (held[*i].ready_at, held[*i].number));
        chosen.truncate(self.config.max_batch_size);
        chosen.sort_unstable_by(|a, b| b.cmp(a));
        let mut batch: Vec<Held> = chosen.into_iter().map(|i| held.remove(i)).collect();
        for i in (1..batch.len()).rev() {
            batch.swap(i, self.rng.below(i + 1));
        }
        Some(batch)
    }

    /// When the next batch may be due, if anything is held.
    fn next_due(&self, now: Duration) -> Option<Duration> {
        let held = self.held.borrow();
        held.iter()
            .map(|h| {
                if h.ready_at <= now {
                    h.ready_at + self.config.max_batch_timeout
                } else {
                    h.ready_at
                }
            })
            .min()
    }

    /// Hands one batch to the consumer and settles each message.
    async fn deliver(&self, mut batch: Vec<Held>) {
        let Some(handler) = self.consumer.borrow().clone() else {
            batch.into_iter().for_each(|h| self.hold(h));
            return;
        };
        let messages: Vec<Message> = batch
            .iter_mut()
            .map(|h| {
                h.attempts += 1;
                self.record(What::QueueDelivered {
                    queue: self.name.clone(),
                    message: h.number,
                    attempt: h.attempts,
                });
                Message::new(
                    h.number.to_string(),
                    h.timestamp,
                    h.attempts,
                    h.body.clone(),
                )
            })
            .collect();
        let crash = self.faults.fires(
            self.world(),
            &self.rng,
            FaultKind::QueueConsumerCrash,
            &self.name,
        );
        let limit = if crash {
            Duration::from_millis(self.rng.below(CRASH_AFTER_MAX_MS + 1) as u64)
        } else {
            CONSUMER_WALL_MAX
        };
        let ctx = Context::new(self.world().clone());
        let env = self.rt.env_at(self.location);
        let invocation = handler(
            MessageBatch::new(self.name.clone(), messages.clone()),
            env,
            ctx.clone(),
        );
        let outcome = madsim::time::timeout(limit, super::caught::Caught(invocation)).await;
        let mut ok = matches!(outcome, Ok(Ok(Ok(()))));
        if !crash {
            ok &= ctx.settle().await == 0;
        }
        for (held, message) in batch.into_iter().zip(&messages) {
            let implicit = if ok && !crash {
                Verdict::Ack
            } else {
                Verdict::Retry(Duration::ZERO)
            };
            match message.verdict().unwrap_or(implicit) {
                Verdict::Ack => self.ack(held),
                Verdict::Retry(delay) => self.retry(held, delay),
            }
        }
    }

    fn ack(&self, held: Held) {
        self.record(What::QueueAcked {
            queue: self.name.clone(),
            message: held.number,
        });
        if self.faults.fires(
            self.world(),
            &self.rng,
            FaultKind::QueueDuplicate,
            &self.name,
        ) {
            // At-least-once: delivered again although acknowledged; held
            // (as a call still out) until that delivery reaches an end too.
            self.hold(Held {
                ready_at: self.world().now(),
                ..held
            });
            return;
        }
        self.world().call_closed();
    }

    fn retry(&self, held: Held, delay: Duration) {
        let world = self.world();
        if mutations::active(Mutation::QueueDropOnRetry) {
            world.call_closed();
            return;
        }
        let queue = self.name.clone();
        let message = held.number;
        if held.attempts > self.config.max_retries {
            world.call_closed();
            match &self.config.dead_letter_queue {
                Some(to) => {
                    self.record(What::QueueDeadLettered {
                        queue,
                        message,
                        to: to.clone(),
                    });
                    if let Ok(dlq) =
                        self.rt
                            .bindings
                            .platform::<Broker>(to, super::KIND, false, "Sim::queue")
                    {
                        dlq.enqueue(held.body, Duration::ZERO);
                    }
                }
                None => self.record(What::QueueDropped { queue, message }),
            }
            return;
        }
        self.record(What::QueueRetried {
            queue,
            message,
            attempt: held.attempts,
        });
        let delay = if delay.is_zero() {
            self.config.retry_delay
        } else {
            delay
        };
        self.hold(Held {
            ready_at: world.now() + delay,
            ..held
        });
    }
}
