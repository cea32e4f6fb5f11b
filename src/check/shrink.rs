//! `shrink <seed>`: from a failing seed to the fewest faults that still
//! make it fail the same way.
//!
//! A swarm run's faults are drawn at random times. Every fault the injector
//! applied is recorded as a schedule entry (`RunRecord::faults_applied`),
//! so the run can be replayed with that schedule as its fault plan; the
//! per-message faults (`message_loss`, `buggify`) stay as rates, one unit
//! each. Shrinking then removes units — halves, quarters, … down to single
//! faults, as delta debugging does — keeping every removal after which the
//! seed still fails for the same reason (the same monitor, or the body's
//! own property). The seed stays fixed, so what remains is a small plan
//! that reproduces the failure with that seed.
//!
//! Workloads written as code (the examples') have no operations to remove;
//! what shrinks is the faults.

use std::collections::BTreeMap;

use super::run::{Body, FailureReason, Faults};
use super::runner::Runner;
use crate::sim::faults::{FaultKind, FaultPlan, ScheduledFault};
use crate::sim::seed::Seed;

/// At most this many runs are spent on one shrink.
pub const SHRINK_RUNS_MAX: u32 = 500;

/// What shrinking found.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// Faults (scheduled ones plus per-message rates) in the failing run.
    pub faults_before: usize,
    /// Faults left in the smallest plan that still fails.
    pub faults_after: usize,
    /// That plan.
    pub plan: FaultPlan,
    /// Runs spent.
    pub runs: u32,
    /// Why the smallest case fails.
    pub reason: String,
}

/// Two failures are "the same" if the same check caught them.
fn same_kind(a: &FailureReason, b: &FailureReason) -> bool {
    match (a, b) {
        (
            FailureReason::Invariant { monitor: x, .. },
            FailureReason::Invariant { monitor: y, .. },
        ) => x == y,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

struct Trial<'a> {
    runner: &'a Runner,
    seed: Seed,
    body: &'a Body,
    safety_ms: u64,
    /// Kept whole: a service's faults are drawn per operation.
    service_rates: BTreeMap<FaultKind, f64>,
    target: FailureReason,
    runs: u32,
}

impl Trial<'_> {
    fn plan(&self, schedule: &[ScheduledFault], rates: &[(FaultKind, f64)]) -> FaultPlan {
        FaultPlan {
            schedule: schedule.to_vec(),
            rates: rates.iter().copied().collect::<BTreeMap<_, _>>(),
            safety_ms: self.safety_ms,
            swarm: false,
            service_rates: self.service_rates.clone(),
        }
    }

    /// Whether the seed still fails the same way with these faults.
    fn fails(&mut self, schedule: &[ScheduledFault], rates: &[(FaultKind, f64)]) -> Option<String> {
        self.runs += 1;
        let plan = self.plan(schedule, rates);
        let record = self
            .runner
            .clone()
            .faults(Faults::Plan(plan))
            .record_body(self.seed, self.body);
        record
            .failure
            .filter(|f| same_kind(f, &self.target))
            .map(|f| f.to_string())
    }
}

/// Shrinks the faults of failing `seed`. `Err` says why it cannot.
pub(crate) fn shrink(runner: &Runner, seed: Seed, body: &Body) -> Result<Shrunk, String> {
    let first = runner.record_body(seed, body);
    let Some(target) = first.failure.clone() else {
        return Err(format!("seed {seed} passes: there is no failure to shrink"));
    };
    let mut schedule = first.faults_applied.clone();
    let mut rates: Vec<(FaultKind, f64)> = first
        .plan
        .rates
        .iter()
        .filter(|(k, r)| matches!(k, FaultKind::MessageLoss | FaultKind::Buggify) && **r > 0.0)
        .map(|(k, r)| (*k, *r))
        .collect();
    let faults_before = schedule.len() + rates.len();
    let mut trial = Trial {
        runner,
        seed,
        body,
        safety_ms: first.plan.safety_ms,
        service_rates: first.plan.service_rates.clone(),
        target,
        runs: 1,
    };
    let Some(mut reason) = trial.fails(&schedule, &rates) else {
        return Err(format!(
            "seed {seed}'s failure did not come back when its {faults_before} faults were replayed \
             as a schedule: it depends on when the random faults were drawn"
        ));
    };
    // Remove chunks of the schedule, halving the chunk when nothing goes.
    let mut chunk = (schedule.len() / 2).max(1);
    while !schedule.is_empty() && trial.runs < SHRINK_RUNS_MAX {
        let mut removed = false;
        let mut i = 0;
        while i < schedule.len() && trial.runs < SHRINK_RUNS_MAX {
            let end = (i + chunk).min(schedule.len());
            let candidate: Vec<ScheduledFault> = schedule[..i]
                .iter()
                .chain(&schedule[end..])
                .cloned()
                .collect();
            if let Some(r) = trial.fails(&candidate, &rates) {
                schedule = candidate;
                reason = r;
                removed = true;
            } else {
                i = end;
            }
        }
        if chunk == 1 && !removed {
            break;
        }
        if !removed {
            chunk = (chunk / 2).max(1);
        }
    }
    // Then the per-message rates, one at a time.
    let mut k = 0;
    while k < rates.len() && trial.runs < SHRINK_RUNS_MAX {
        let mut candidate = rates.clone();
        candidate.remove(k);
        if let Some(r) = trial.fails(&schedule, &candidate) {
            rates = candidate;
            reason = r;
        } else {
            k += 1;
        }
    }
    Ok(Shrunk {
        faults_before,
        faults_after: schedule.len() + rates.len(),
        plan: trial.plan(&schedule, &rates),
        runs: trial.runs,
        reason,
    })
}
