//! `shrink <seed>`: from a failing seed to the fewest faults that still
//! make it fail the same way.
//!
//! A swarm run's faults are drawn at random times. Every fault the injector
//! applied is recorded as a schedule entry (`RunRecord::faults_applied`),
//! and every fault decision draws from the run's fault stream alone, so the
//! run replayed with that schedule as its plan ([`FaultPlan::replaying`])
//! is the same run, event for event. The per-message faults (`message_loss`,
//! `buggify`) stay as rates, one unit each, drawn from streams of their own;
//! the platform services' per-operation faults stay whole. Shrinking then
//! removes units — halves, quarters, … down to single faults, as delta
//! debugging does — keeping every removal after which the seed still fails
//! the same way: the same check, and the same reason once its numbers are
//! masked (see [`FailureReason::same_failure`]). The seed stays fixed, so
//! what remains is a small plan that reproduces the failure with that seed.
//!
//! Workloads written as code (the examples') have no operations to remove;
//! what shrinks is the faults.

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

impl FailureReason {
    /// Whether `other` is the same failure as this one: the same kind of
    /// failure (the same monitor, for a broken invariant) and the same
    /// reason once every number in it is masked — so a run that loses a
    /// different update, at a different time, is the same failure, but one
    /// that fails a different property is not. For a broken invariant only
    /// the monitor's own words count, not the body's failure after it.
    ///
    /// ```
    /// use dosim::FailureReason;
    /// let a = FailureReason::Body("count is 7, but 8 increments were acknowledged".into());
    /// let b = FailureReason::Body("count is 2, but 3 increments were acknowledged".into());
    /// let c = FailureReason::Body("customer 3 was charged twice".into());
    /// assert!(a.same_failure(&b));
    /// assert!(!a.same_failure(&c));
    /// ```
    pub fn same_failure(&self, other: &FailureReason) -> bool {
        self.signature() == other.signature()
    }

    /// The failure with its numbers masked (see [`Self::same_failure`]).
    fn signature(&self) -> String {
        let text = match self {
            FailureReason::Invariant { monitor, message } => {
                let own = message.split(" (and then: ").next().unwrap_or_default();
                format!("invariant `{monitor}` violated: {own}")
            }
            other => other.to_string(),
        };
        mask_numbers(&text)
    }
}

/// `text` with every run of digits (and the hex digits after `0x`)
/// replaced by `#`.
fn mask_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if !c.is_ascii_digit() {
            out.push(c);
            continue;
        }
        let hex = c == '0' && chars.peek() == Some(&'x');
        if hex {
            chars.next();
        }
        while chars
            .peek()
            .is_some_and(|d| d.is_ascii_digit() || (hex && d.is_ascii_hexdigit()))
        {
            chars.next();
        }
        out.push('#');
    }
    out
}

struct Trial<'a> {
    runner: &'a Runner,
    seed: Seed,
    body: &'a Body,
    /// The failing run's own plan, replaying what it applied.
    replay: FaultPlan,
    target: FailureReason,
    runs: u32,
}

impl Trial<'_> {
    fn plan(&self, schedule: &[ScheduledFault], rates: &[(FaultKind, f64)]) -> FaultPlan {
        let mut plan = self.replay.replaying(schedule);
        for kind in PER_MESSAGE {
            plan.rates.remove(kind);
        }
        plan.rates.extend(rates.iter().copied());
        plan
    }

    /// Whether the seed still fails the same way with these faults.
    fn fails(&mut self, schedule: &[ScheduledFault], rates: &[(FaultKind, f64)]) -> Option<String> {
        let plan = self.plan(schedule, rates);
        self.fails_with(plan)
    }

    /// Whether the seed still fails the same way with `plan`.
    fn fails_with(&mut self, plan: FaultPlan) -> Option<String> {
        self.runs += 1;
        let record = self
            .runner
            .clone()
            .faults(Faults::Plan(plan))
            .record_body(self.seed, self.body);
        record
            .failure
            .filter(|f| f.same_failure(&self.target))
            .map(|f| f.to_string())
    }
}

/// The kinds drawn per message, which shrinking removes as whole rates.
const PER_MESSAGE: &[FaultKind] = &[FaultKind::MessageLoss, FaultKind::Buggify];

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
        .filter(|(k, r)| PER_MESSAGE.contains(k) && **r > 0.0)
        .map(|(k, r)| (*k, *r))
        .collect();
    let faults_before = schedule.len() + rates.len();
    let mut trial = Trial {
        runner,
        seed,
        body,
        replay: first.plan.clone(),
        target,
        runs: 1,
    };
    let Some(mut reason) = trial.fails(&schedule, &rates) else {
        return Err(format!(
            "seed {seed}'s failure did not come back the same way when its {faults_before} faults \
             were replayed as a schedule; a replay should be the same run, so this is a bug in \
             dosim's fault injection: please report it with the seed"
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
    // Last, the rates of the kinds that came at random times: the replay
    // kept them only to be the same run. Without them the plan reads as
    // what it is, if it still fails the same way.
    let mut plan = trial.plan(&schedule, &rates);
    let bare = plan.without_timed_rates();
    if bare != plan {
        if let Some(r) = trial.fails_with(bare.clone()) {
            plan = bare;
            reason = r;
        }
    }
    Ok(Shrunk {
        faults_before,
        faults_after: schedule.len() + rates.len(),
        plan,
        runs: trial.runs,
        reason,
    })
}
