//! The faults a queue injects, and how often.
//!
//! - `queue_duplicate`: a message the consumer acknowledged is delivered
//!   again (at-least-once delivery). A consumer that is not idempotent
//!   applies it twice.
//! - `queue_consumer_crash`: the consumer's invocation dies at a random
//!   point of its batch. Messages it acknowledged before stay acknowledged;
//!   the others come back, one attempt spent, as after a thrown error.
//! - `queue_send_failure`: a send fails before the queue wrote anything;
//!   the producer gets `Queue send failed: Unknown Internal Error (15000)`.
//!   A send that fails *after* the queue wrote its messages comes from the
//!   network instead: the acknowledgement is lost on its way back, the
//!   producer gets an error, and the messages are delivered all the same.
//!
//! A rate is the percent of deliveries, batches or sends hit, while the
//! run's fault window lasts. Under swarm faults each queue draws its own
//! rates from its own stream, so runs that bind no queue draw exactly what
//! they drew before. A scheduled fault (`Fault::QueueDuplicate { queue }`,
//! …) hits the queue's next delivery, batch or send.

use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::sim::faults::FaultKind;
use crate::sim::rng::RunRng;
use crate::sim::world::World;
use crate::trace::What;

/// One queue's fault rates (percent), by kind.
pub(crate) struct QueueFaults {
    rates: Vec<(FaultKind, f64)>,
    window: Duration,
}

impl QueueFaults {
    /// The rates of `world`'s plan; under swarm faults, the kinds the plan
    /// leaves unset are drawn from `draw` (the queue's own stream).
    pub(crate) fn new(world: &World, draw: &mut ChaCha8Rng) -> QueueFaults {
        let plan = &world.plan;
        let rates = FaultKind::QUEUE
            .iter()
            .map(|kind| {
                let planned = plan.rates().get(kind).copied();
                let swarm = plan.swarm && draw.gen_bool(0.5);
                let drawn = if swarm {
                    (draw.gen_range(1.0..10.0_f64) * 100.0).round() / 100.0
                } else {
                    0.0
                };
                (*kind, planned.unwrap_or(drawn))
            })
            .collect();
        QueueFaults {
            rates,
            window: Duration::from_millis(plan.safety_ms()),
        }
    }

    /// Whether a fault of `kind` hits queue `queue` now: an armed
    /// (scheduled) one, or a random one within the fault window. Records
    /// it in the trace when it does.
    pub(crate) fn fires(&self, world: &World, rng: &RunRng, kind: FaultKind, queue: &str) -> bool {
        let rate = self
            .rates
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0.0, |(_, r)| *r);
        let fires =
            world.faults.take_armed(kind, queue) || (world.now() < self.window && rng.chance(rate));
        if fires {
            world.record(
                world.config().storage(),
                None,
                0,
                What::FaultInjected {
                    fault: kind,
                    target: queue.to_string(),
                },
            );
        }
        fires
    }
}
