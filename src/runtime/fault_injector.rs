//! Applies a run's fault plan to the world and its runtime.
//!
//! Scheduled faults fire at their times. Random faults of each kind with a
//! rate arrive as a Poisson process (exponential gaps drawn from the run's
//! seed) until the safety phase ends; then the world heals — links repaired,
//! loss and slowness gone — and crashed hosts come back through their own
//! restart timers. Every injection and every healing is a trace event.
//! The fault model itself is written in `sim::faults`.

use std::rc::Rc;
use std::time::Duration;

use super::runtime::Runtime;
use crate::sim::faults::{Fault, FaultKind};
use crate::sim::world::spawn_task;
use crate::sim::world_config::LocationId;
use crate::trace::What;

/// Starts the injector's tasks for the run's plan.
pub(crate) fn start(rt: &Rc<Runtime>) {
    let plan = rt.world.plan.clone();
    let plan_schedule_empty = plan.schedule.is_empty();
    for scheduled in plan.schedule {
        let rt = rt.clone();
        let world = rt.world.clone();
        spawn_task(&world, async move {
            madsim::time::sleep(Duration::from_millis(scheduled.at_ms)).await;
            apply(&rt, &scheduled.fault);
        });
    }
    rt.world.faults.set_loss_percent(
        plan.rates
            .get(&FaultKind::MessageLoss)
            .copied()
            .unwrap_or(0.0),
    );
    let safety = Duration::from_millis(plan.safety_ms);
    for (kind, rate) in plan.rates {
        // Loss and buggify are percents read where they apply; the
        // platform services draw their own kinds per operation.
        if rate <= 0.0
            || kind.is_service()
            || matches!(kind, FaultKind::MessageLoss | FaultKind::Buggify)
            || FaultKind::QUEUE.contains(&kind)
            || FaultKind::BUCKET.contains(&kind)
        {
            continue;
        }
        let rt = rt.clone();
        spawn_task(&rt.world.clone(), async move {
            loop {
                let gap = exponential(&rt, rate);
                if rt.world.now() + gap >= safety {
                    return;
                }
                madsim::time::sleep(gap).await;
                if let Some(fault) = draw(&rt, kind) {
                    apply(&rt, &fault);
                }
            }
        });
    }
    // Service faults end with the window on their own: a plan of only
    // those has no world to heal (and records no healing).
    let heals = !plan_schedule_empty
        || rt
            .world
            .plan
            .rates
            .iter()
            .any(|(kind, rate)| *rate > 0.0 && !kind.is_service());
    if heals {
        let rt = rt.clone();
        spawn_task(&rt.world.clone(), async move {
            madsim::time::sleep(safety).await;
            rt.world.faults.heal();
            let at = rt.world.config().storage();
            rt.world.record(at, None, 0, What::WorldHealed);
        });
    }
}

/// An exponential gap for `rate` events per simulated second.
fn exponential(rt: &Runtime, rate: f64) -> Duration {
    let u = (rt.world.rng.below(1_000_000) as f64 + 1.0) / 1_000_001.0;
    Duration::from_secs_f64(-u.ln() / rate)
}

fn ms_between(rt: &Runtime, lo: u64, hi: u64) -> u64 {
    lo + rt.world.rng.below((hi - lo + 1) as usize) as u64
}

fn pick(rt: &Runtime, from: Vec<LocationId>) -> Option<LocationId> {
    (!from.is_empty()).then(|| from[rt.world.rng.below(from.len())])
}

fn name(rt: &Runtime, loc: LocationId) -> String {
    rt.world.config().location(loc).name.clone()
}

/// A random fault of `kind` with a random target.
fn draw(rt: &Runtime, kind: FaultKind) -> Option<Fault> {
    let config = rt.world.config();
    let hosts: Vec<_> = config.hosts().collect();
    let host = pick(rt, hosts.clone())?;
    Some(match kind {
        FaultKind::Crash => {
            let up: Vec<_> = hosts
                .into_iter()
                .filter(|h| !rt.world.faults.is_down(*h))
                .collect();
            Fault::Crash {
                host: name(rt, pick(rt, up)?),
                restart_after_ms: ms_between(rt, 100, 1_500),
            }
        }
        FaultKind::Evict => Fault::Evict {
            host: name(rt, host),
        },
        FaultKind::Hibernate => Fault::Hibernate {
            host: name(rt, host),
        },
        FaultKind::CodeUpdate => {
            let bindings = rt.bindings();
            if bindings.is_empty() {
                return None;
            }
            Fault::CodeUpdate {
                namespace: bindings[rt.world.rng.below(bindings.len())].clone(),
            }
        }
        FaultKind::Partition => {
            let others: Vec<_> = (0..config.locations().len() as u16)
                .map(LocationId)
                .filter(|l| *l != host)
                .collect();
            Fault::Partition {
                a: name(rt, host),
                b: name(rt, pick(rt, others)?),
                heal_after_ms: ms_between(rt, 50, 1_000),
            }
        }
        FaultKind::StorageFailure => Fault::StorageFailure {
            host: name(rt, host),
        },
        FaultKind::SlowStorage => Fault::SlowStorage {
            extra_ms: ms_between(rt, 10, 200),
            duration_ms: ms_between(rt, 100, 1_000),
        },
        FaultKind::ClientPause => Fault::ClientPause {
            client: name(rt, pick(rt, config.clients().collect())?),
            duration_ms: ms_between(rt, 10, 500),
        },
        // Per-message kinds, and kinds services draw per operation.
        FaultKind::MessageLoss
        | FaultKind::Buggify
        | FaultKind::QueueDuplicate
        | FaultKind::QueueConsumerCrash
        | FaultKind::QueueSendFailure
        | FaultKind::KvFailure
        | FaultKind::KvSlow
        | FaultKind::KvStale
        | FaultKind::ServiceRefused
        | FaultKind::ServiceTimeout
        | FaultKind::ServiceError
        | FaultKind::ServiceSlow
        | FaultKind::ServiceLostResponse
        | FaultKind::BucketError
        | FaultKind::BucketSlow
        | FaultKind::BucketLostPut => return None,
    })
}

/// Applies one fault now, recording it (and its healing, later).
pub(crate) fn apply(rt: &Rc<Runtime>, fault: &Fault) {
    let world = &rt.world;
    let config = world.config();
    let loc = |n: &str| config.location_named(n);
    let kind = fault.kind();
    let (at, target) = match fault {
        Fault::Crash {
            host,
            restart_after_ms,
        } => {
            let h = loc(host);
            if world.faults.is_down(h) {
                return;
            }
            rt.crash_host(h);
            let rt2 = rt.clone();
            let after = Duration::from_millis(*restart_after_ms);
            let host = host.clone();
            spawn_task(&rt.world, async move {
                madsim::time::sleep(after).await;
                rt2.world.faults.restart(h);
                rt2.world.record(
                    h,
                    None,
                    0,
                    What::FaultHealed {
                        fault: FaultKind::Crash,
                        target: host,
                    },
                );
            });
            (h, name(rt, h))
        }
        Fault::Hibernate { host } => {
            let h = loc(host);
            let n = rt.hibernate_idle(h);
            (h, format!("{host} ({n} hibernated)"))
        }
        Fault::Evict { host } => {
            let h = loc(host);
            let n = rt.evict_idle(h);
            (h, format!("{host} ({n} idle)"))
        }
        Fault::CodeUpdate { namespace } => {
            rt.code_update(namespace);
            (config.storage(), namespace.clone())
        }
        Fault::Partition {
            a,
            b,
            heal_after_ms,
        } => {
            let (la, lb) = (loc(a), loc(b));
            world.faults.partition(la, lb);
            let rt2 = rt.clone();
            let after = Duration::from_millis(*heal_after_ms);
            let target = format!("{a} | {b}");
            let healed = target.clone();
            spawn_task(&rt.world, async move {
                madsim::time::sleep(after).await;
                rt2.world.faults.repair(la, lb);
                rt2.world.record(
                    la,
                    None,
                    0,
                    What::FaultHealed {
                        fault: FaultKind::Partition,
                        target: healed,
                    },
                );
            });
            (la, target)
        }
        Fault::StorageFailure { host } => {
            let h = loc(host);
            world.faults.fail_next_commit(h);
            (h, host.clone())
        }
        Fault::SlowStorage {
            extra_ms,
            duration_ms,
        } => {
            let until = world.now() + Duration::from_millis(*duration_ms);
            world
                .faults
                .slow_storage(Duration::from_millis(*extra_ms), until);
            (
                config.storage(),
                format!("+{extra_ms}ms for {duration_ms}ms"),
            )
        }
        Fault::ClientPause {
            client,
            duration_ms,
        } => {
            let c = loc(client);
            world
                .faults
                .pause(c, world.now() + Duration::from_millis(*duration_ms));
            (c, format!("{client} for {duration_ms}ms"))
        }
        Fault::BucketError { bucket }
        | Fault::BucketSlow { bucket, .. }
        | Fault::BucketLostPut { bucket } => {
            // The bucket takes it on its next operation it applies to.
            world.faults.arm_op(bucket, fault.clone());
            (
                config.storage(),
                format!("bucket {bucket} (next operation)"),
            )
        }
        Fault::QueueDuplicate { queue }
        | Fault::QueueConsumerCrash { queue }
        | Fault::QueueSendFailure { queue } => {
            // The queue fires it on its next delivery, batch or send, and
            // records it then.
            world.faults.arm(kind, queue);
            note_applied(world, fault);
            return;
        }
        Fault::ServiceCall {
            service,
            fault: hit,
        } => {
            // Recorded when it hits the call, as a random one is.
            world.faults.arm_service_call(service, *hit);
            note_applied(world, fault);
            return;
        }
    };
    tracing::debug!(%kind, %target, "fault injected");
    note_applied(world, fault);
    world.record(
        at,
        None,
        0,
        What::FaultInjected {
            fault: kind,
            target,
        },
    );
}

/// Adds `fault`, applied now, to the run's record of applied faults.
fn note_applied(world: &crate::sim::world::World, fault: &Fault) {
    let at_ms = u64::try_from(world.now().as_millis()).unwrap_or(u64::MAX);
    world
        .applied
        .borrow_mut()
        .push(crate::sim::faults::ScheduledFault {
            at_ms,
            fault: fault.clone(),
        });
}
