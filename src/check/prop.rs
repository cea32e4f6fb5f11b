//! Property-based testing of objects: workloads and fault plans drawn by
//! proptest, and a failing case shrunk to fewer operations and fewer
//! faults while it still fails.
//!
//! A [`Workload`] is one sequence of steps (an operation of the user's own
//! type, and a think time) per client; [`workload`] draws it from the
//! user's operation strategy. [`fault_plan`] draws a schedule of faults
//! at fixed times. [`check`] runs each drawn [`Case`] as a dosim run (a
//! fixed seed, the case's plan as the run's faults) and, when one fails,
//! lets proptest shrink it; the [`PropReport`] says how big the first
//! failing case was and how small the shrunk one is.
//!
//! ```no_run
//! use dosim::prop::{self, Case};
//! use proptest::prelude::*;
//! # async fn apply(_sim: dosim::Sim, _w: prop::Workload<u64>) -> dosim::Result<()> { Ok(()) }
//! let runner = dosim::Runner::new("increments");
//! let world = dosim::WorldConfig::default();
//! let cases = (prop::workload(1..4u64, 3, 6), prop::fault_plan(&world, 4, 2_000))
//!     .prop_map(|(workload, plan)| Case { workload, plan });
//! let report = prop::check(&runner, 64, cases, apply);
//! assert!(report.passed(), "{report}");
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use super::run::Faults;
use super::runner::Runner;
use super::sim::Sim;
use crate::runtime::error::Result;
use crate::sim::faults::{Fault, FaultPlan, ScheduledFault};
use crate::sim::seed::Seed;
use crate::sim::world_config::{LocationKind, WorldConfig};

/// One step of a client: an operation, then a pause.
#[derive(Clone, Debug, PartialEq)]
pub struct Step<Op> {
    /// The operation.
    pub op: Op,
    /// Simulated milliseconds to wait after it.
    pub think_ms: u64,
}

/// What each client does, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload<Op> {
    /// One sequence of steps per client.
    pub clients: Vec<Vec<Step<Op>>>,
}

impl<Op> Workload<Op> {
    /// How many operations, over every client.
    pub fn ops(&self) -> usize {
        self.clients.iter().map(Vec::len).sum()
    }
}

/// A drawn case: a workload and the faults it meets.
#[derive(Clone, Debug)]
pub struct Case<Op> {
    /// The workload.
    pub workload: Workload<Op>,
    /// The faults, as a schedule.
    pub plan: FaultPlan,
}

/// Workloads of `clients` clients, each of up to `ops_max` operations
/// drawn from `op`, with think times of 0–50 ms. Shrinks towards fewer
/// operations and shorter pauses.
pub fn workload<Op, S>(op: S, clients: usize, ops_max: usize) -> BoxedStrategy<Workload<Op>>
where
    Op: fmt::Debug + Clone + 'static,
    S: Strategy<Value = Op> + Clone + 'static,
{
    let step = (op, 0..50u64).prop_map(|(op, think_ms)| Step { op, think_ms });
    proptest::collection::vec(proptest::collection::vec(step, 0..=ops_max), clients)
        .prop_map(|clients| Workload { clients })
        .boxed()
}

/// Fault plans of up to `faults_max` faults at times in `0..horizon_ms`,
/// against the locations of `world`: crashes, evictions, hibernation,
/// partitions, storage failures and client pauses. Shrinks towards fewer
/// faults.
pub fn fault_plan(
    world: &WorldConfig,
    faults_max: usize,
    horizon_ms: u64,
) -> BoxedStrategy<FaultPlan> {
    let names = |kind: LocationKind| -> Vec<String> {
        world
            .locations()
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.name.clone())
            .collect()
    };
    let hosts = names(LocationKind::Host);
    let clients = names(LocationKind::Client);
    let mut every: Vec<String> = hosts.clone();
    every.extend(clients.clone());
    let host = proptest::sample::select(hosts);
    let client = proptest::sample::select(clients);
    let any = proptest::sample::select(every);
    let fault = prop_oneof![
        (host.clone(), 50..1_000u64).prop_map(|(host, restart_after_ms)| Fault::Crash {
            host,
            restart_after_ms
        }),
        host.clone().prop_map(|host| Fault::Evict { host }),
        host.clone().prop_map(|host| Fault::Hibernate { host }),
        host.clone().prop_map(|host| Fault::StorageFailure { host }),
        (host, any, 50..1_000u64).prop_map(|(a, b, heal_after_ms)| Fault::Partition {
            a,
            b,
            heal_after_ms
        }),
        (client, 10..500u64).prop_map(|(client, duration_ms)| Fault::ClientPause {
            client,
            duration_ms
        }),
    ];
    let scheduled =
        (0..horizon_ms.max(1), fault).prop_map(|(at_ms, fault)| ScheduledFault { at_ms, fault });
    proptest::collection::vec(scheduled, 0..=faults_max)
        .prop_map(move |mut schedule| {
            schedule.sort_by_key(|s| s.at_ms);
            FaultPlan {
                schedule,
                safety_ms: horizon_ms,
                ..FaultPlan::none()
            }
        })
        .boxed()
}

/// What [`check`] found.
#[derive(Clone, Debug)]
pub struct PropReport {
    /// Cases run (before any failure, plus the shrinking runs).
    pub runs: u32,
    /// The first failing case's size: (operations, faults).
    pub first_failure: Option<(usize, usize)>,
    /// The shrunk case's size, and why it fails.
    pub shrunk: Option<(usize, usize, String)>,
    /// The shrunk case, printed.
    pub minimal_case: Option<String>,
}

impl PropReport {
    /// Whether every case passed.
    pub fn passed(&self) -> bool {
        self.shrunk.is_none()
    }
}

impl fmt::Display for PropReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.first_failure, &self.shrunk) {
            (Some((ops, faults)), Some((ops2, faults2, reason))) => {
                writeln!(f, "dosim: a case failed after {} runs: {reason}", self.runs)?;
                writeln!(f, "  shrunk: {ops2} operations, {faults2} faults (from {ops} operations, {faults} faults)")?;
                if let Some(case) = &self.minimal_case {
                    write!(f, "  case:   {case}")?;
                }
                Ok(())
            }
            _ => write!(f, "dosim: {} cases passed", self.runs),
        }
    }
}

/// Runs up to `cases` cases drawn from `strategy`: each a run of
/// `runner`'s first seed with the case's plan as its faults, and `body`
/// given the workload. On a failure, proptest shrinks the case while it
/// still fails. The draws come from a generator seeded by the runner's
/// name, so the same test draws the same cases.
pub fn check<Op, S, F, Fut>(runner: &Runner, cases: u32, strategy: S, body: F) -> PropReport
where
    Op: fmt::Debug + Clone + Send + Sync + 'static,
    S: Strategy<Value = Case<Op>>,
    F: Fn(Sim, Workload<Op>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let body = Arc::new(body);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let name_seed = crate::trace::content_hash(runner.test_name().as_bytes());
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&name_seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
    let mut test_runner = TestRunner::new_with_rng(config, rng);
    let runs = std::cell::Cell::new(0u32);
    let first = std::cell::Cell::new(None);
    let result = test_runner.run(&strategy, |case| {
        runs.set(runs.get() + 1);
        let size = (case.workload.ops(), case.plan.schedule.len());
        let body = body.clone();
        let workload = case.workload.clone();
        let report = runner
            .clone()
            .faults(Faults::Plan(case.plan.clone()))
            .quiet()
            .run_seeds(&[Seed::nth(0)], move |sim| body(sim, workload.clone()));
        match report.failures.first() {
            None => Ok(()),
            Some(f) => {
                if first.get().is_none() {
                    first.set(Some(size));
                }
                Err(TestCaseError::fail(f.reason.to_string()))
            }
        }
    });
    let mut report = PropReport {
        runs: runs.get(),
        first_failure: first.get(),
        shrunk: None,
        minimal_case: None,
    };
    if let Err(TestError::Fail(reason, case)) = result {
        report.shrunk = Some((
            case.workload.ops(),
            case.plan.schedule.len(),
            reason.to_string(),
        ));
        report.minimal_case = Some(format!(
            "{:?} with faults {:?}",
            case.workload, case.plan.schedule
        ));
    }
    report
}
