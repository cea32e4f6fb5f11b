//! Applies a run's fault plan to the world and its runtime.
//!
//! Scheduled faults fire at their times. Random faults of each kind with a
//! rate arrive as a Poisson process until the safety phase ends; then the
//! world heals — links repaired,
//! loss and slowness gone — and crashed hosts come back through their own
//! restart timers. Every injection and every healing is a trace event.
//! The fault model itself is written in `sim::faults`.
//!
//! Every fault decision — when, which kind, which target — draws from the
//! run's fault stream and nothing else, and every fault applied is noted
//! with its time in whole milliseconds. So a run's applied faults, replayed
//! as a schedule ([`FaultPlan::replaying`]), reproduce that run exactly:
//! the other streams see the same draws in the same order, and the one
//! injector task wakes at the same times.
//!
//! [`FaultPlan::replaying`]: crate::sim::faults::FaultPlan::replaying

use std::rc::Rc;
use std::time::Duration;

use super::runtime::Runtime;
use crate::sim::faults::{Fault, FaultKind, FaultPlan};
use crate::sim::world::spawn_task;
use crate::sim::world_config::LocationId;
use crate::trace::What;

/// Starts the injector's tasks for the run's plan.
pub(crate) fn start(rt: &Rc<Runtime>) {
    let plan = rt.world.plan.clone();
    rt.world.faults.set_loss_percent(
        plan.rates
            .get(&FaultKind::MessageLoss)
            .copied()
            .unwrap_or(0.0),
    );
    // One task walks the whole timeline, waking once per distinct time: a
    // run and the replay of its applied faults then have the same tasks,
    // woken at the same times, so madsim schedules them alike. So it is
    // started whenever the plan could inject at a time, even if this run
    // drew no time (or its replay has nothing to apply).
    let timed = !plan.schedule.is_empty()
        || plan
            .rates
            .iter()
            .any(|(kind, rate)| *rate > 0.0 && FaultPlan::is_timed(*kind));
    let timeline = timeline(rt, &plan);
    if timed {
        let rt = rt.clone();
        spawn_task(&rt.world.clone(), async move {
            let mut at = 0;
            while at < timeline.len() {
                let when = Duration::from_millis(timeline[at].0);
                madsim::time::sleep(when.saturating_sub(rt.world.now())).await;
                while at < timeline.len() && Duration::from_millis(timeline[at].0) == when {
                    let fault = match &timeline[at].1 {
                        Due::Scheduled(fault) => Some(fault.clone()),
                        Due::Drawn(kind) => draw(&rt, *kind),
                    };
                    if let Some(fault) = fault {
                        apply(&rt, &fault);
                    }
                    at += 1;
                }
            }
        });
    }
    // Service faults end with the window on their own: a plan of only
    // those has no world to heal (and records no healing).
    let heals = !plan.schedule.is_empty()
        || plan
            .rates
            .iter()
            .any(|(kind, rate)| *rate > 0.0 && !kind.is_service());
    if heals {
        let rt = rt.clone();
        let safety = Duration::from_millis(plan.safety_ms);
        spawn_task(&rt.world.clone(), async move {
            madsim::time::sleep(safety).await;
            rt.world.faults.heal();
            let at = rt.world.config().storage();
            rt.world.record(at, None, 0, What::WorldHealed);
        });
    }
}

/// What falls due at one time of the injector's timeline.
enum Due {
    /// A fault the plan schedules.
    Scheduled(Fault),
    /// A random fault of this kind, its target drawn when it falls due.
    Drawn(FaultKind),
}

/// The times, in whole simulated milliseconds, at which faults fall due:
/// the plan's schedule, and unless the plan replays a run, random times
/// for each timed kind with a rate — a Poisson process per kind, its gaps
/// drawn from the fault stream until the safety window ends. Whole
/// milliseconds, so that the schedule a run records (`at_ms`) names the
/// very time it applied each fault. Ordered by time; the schedule first,
/// in its own order, among faults due at the same time.
fn timeline(rt: &Runtime, plan: &FaultPlan) -> Vec<(u64, Due)> {
    let mut due: Vec<(u64, Due)> = plan
        .schedule
        .iter()
        .map(|s| (s.at_ms, Due::Scheduled(s.fault.clone())))
        .collect();
    if !plan.replay {
        for (kind, rate) in &plan.rates {
            if *rate <= 0.0 || !FaultPlan::is_timed(*kind) {
                continue;
            }
            let mut at_ms = 0;
            loop {
                at_ms += exponential_ms(rt, *rate);
                if at_ms >= plan.safety_ms {
                    break;
                }
                due.push((at_ms, Due::Drawn(*kind)));
            }
        }
    }
    due.sort_by_key(|(at_ms, _)| *at_ms);
    due
}

/// An exponential gap for `rate` events per simulated second, in whole
/// milliseconds (at least one).
fn exponential_ms(rt: &Runtime, rate: f64) -> u64 {
    let u = (rt.world.fault_rng.below(1_000_000) as f64 + 1.0) / 1_000_001.0;
    let ms = (-u.ln() / rate * 1_000.0).round();
    if ms.is_finite() {
        (ms as u64).max(1)
    } else {
        u64::MAX
    }
}

fn ms_between(rt: &Runtime, lo: u64, hi: u64) -> u64 {
    lo + rt.world.fault_rng.below((hi - lo + 1) as usize) as u64
}

fn pick(rt: &Runtime, from: Vec<LocationId>) -> Option<LocationId> {
    (!from.is_empty()).then(|| from[rt.world.fault_rng.below(from.len())])
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
            // With every host down it is a crash that does nothing, still
            // applied (and noted), so a replay wakes at the same times.
            Fault::Crash {
                host: name(rt, pick(rt, up).unwrap_or(host)),
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
                namespace: bindings[rt.world.fault_rng.below(bindings.len())].clone(),
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
    // Noted even when it turns out to do nothing (a crash of a host that
    // is down): its replay then wakes the injector at the same time.
    note_applied(world, fault);
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
            return;
        }
        Fault::ServiceCall {
            service,
            fault: hit,
        } => {
            // Recorded when it hits the call, as a random one is.
            world.faults.arm_service_call(service, *hit);
            return;
        }
    };
    tracing::debug!(%kind, %target, "fault injected");
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
