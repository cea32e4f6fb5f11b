//! The simulated network: how long a message takes between two locations.
//!
//! Every delay is drawn from the run's random stream, so the same seed gives
//! the same latencies in the same order. Messages on one connection (one
//! stub) may overtake each other in flight; the runtime restores their order
//! at the receiver, as TCP does, which is where E-order comes from.
//!
//! Fault model: a message is dropped when its two ends are partitioned, when
//! either end is a host that is down (at arrival), or by random loss at the
//! plan's rate. The sender learns of a drop only by what does not come back;
//! dosim hands it a `Dropped` so the runtime can model that (a retry, or an
//! unknown outcome).

use std::time::Duration;

use super::rng::RunRng;
use super::world::World;
use super::world_config::{LocationId, WorldConfig};

/// A message that never arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dropped;

/// Sends one frame of a stream (a WebSocket) from `from` to `to`: it takes
/// the link's latency and is never dropped alone — a stream retransmits —
/// but a partition or a down endpoint breaks the whole connection.
pub(crate) async fn transmit_stream(
    world: &World,
    from: LocationId,
    to: LocationId,
) -> Result<(), Dropped> {
    let delay = world.network.delay(&world.rng, from, to);
    madsim::time::sleep(delay).await;
    let faults = &world.faults;
    if faults.cut(from, to) || faults.is_down(to) || faults.is_down(from) {
        return Err(Dropped);
    }
    Ok(())
}

/// Sends one message from `from` to `to`: waits its latency, then tells
/// whether it arrived (latency drawn from the run's own stream, loss from
/// the loss stream).
pub(crate) async fn transmit(
    world: &World,
    from: LocationId,
    to: LocationId,
) -> Result<(), Dropped> {
    transmit_drawing(world, &world.rng, from, to).await
}

/// [`transmit`], drawing the delay from `rng`: a platform
/// service draws from a stream of its own, so binding it leaves the
/// runtime's draws, and so the traces of runs without it, unchanged. Loss
/// draws from the world's loss stream, so that a plan with loss switched
/// off leaves every latency as it was.
pub(crate) async fn transmit_drawing(
    world: &World,
    rng: &super::rng::RunRng,
    from: LocationId,
    to: LocationId,
) -> Result<(), Dropped> {
    let delay = world.network.delay(rng, from, to);
    madsim::time::sleep(delay).await;
    arrival(world, from, to)
}

/// The first half of [`transmit`]: a message leaves `from` for `to` now,
/// and arrives when the returned sleep ends. Whoever waits for it calls
/// [`arrival`] then. Split from `transmit` so that a message can start
/// its way in one task and be waited for in another (a call's answer
/// leaves from the object's task and arrives in the caller's).
///
/// `None` outside the run's madsim runtime (something dropped while a run
/// is torn down), where no time passes: the message is there at once.
pub(crate) fn departure(
    world: &World,
    from: LocationId,
    to: LocationId,
) -> Option<madsim::time::Sleep> {
    let time = madsim::time::TimeHandle::try_current()?;
    Some(time.sleep(world.network.delay(&world.rng, from, to)))
}

/// The second half of [`transmit`]: whether a message that took its
/// latency from `from` to `to` arrived, by the faults in force now and
/// the plan's loss rate.
pub(crate) fn arrival(world: &World, from: LocationId, to: LocationId) -> Result<(), Dropped> {
    let faults = &world.faults;
    if faults.cut(from, to) || faults.is_down(to) || faults.is_down(from) {
        return Err(Dropped);
    }
    if world.loss_rng.chance(faults.loss_percent()) {
        let config = world.config();
        let target = format!(
            "{} -> {}",
            config.location(from).name,
            config.location(to).name
        );
        world.record(
            from,
            None,
            0,
            crate::trace::What::FaultInjected {
                fault: super::faults::FaultKind::MessageLoss,
                target,
            },
        );
        return Err(Dropped);
    }
    Ok(())
}

/// Latencies between locations.
pub(crate) struct Network {
    config: WorldConfig,
}

impl Network {
    pub(crate) fn new(config: WorldConfig) -> Network {
        Network { config }
    }

    pub(crate) fn config(&self) -> &WorldConfig {
        &self.config
    }

    /// The one-way delay of a message sent now from `from` to `to`.
    pub(crate) fn delay(&self, rng: &RunRng, from: LocationId, to: LocationId) -> Duration {
        rng.latency(self.config.latency(from, to))
    }
}
