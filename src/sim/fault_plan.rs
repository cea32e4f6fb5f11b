//! A run's fault plan: the faults it schedules at fixed times and the
//! rates of the random ones, and swarm mode, which draws a plan from the
//! seed. The kinds and the faults themselves are in [`super::faults`].

use std::collections::BTreeMap;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::faults::{Fault, FaultKind, ScheduledFault};
use super::seed::{Seed, Stream};

/// The faults of a run: a schedule, and rates for random faults. Read it
/// from JSON, or build it from [`FaultPlan::none`]:
///
/// ```
/// use dosim::sim::{Fault, FaultKind, FaultPlan};
/// let plan = FaultPlan::none()
///     .with_fault(40, Fault::Evict { host: "host-0".into() })
///     .with_rate(FaultKind::MessageLoss, 2.0)
///     .with_safety_ms(10_000);
/// assert_eq!(plan.schedule().len(), 1);
/// assert_eq!(plan.rate(FaultKind::MessageLoss), 2.0);
/// assert_eq!(plan.safety_ms(), 10_000);
/// ```
///
/// ```
/// use dosim::sim::{FaultKind, FaultPlan};
/// let plan: FaultPlan = serde_json::from_str(r#"{
///     "schedule": [{"at_ms": 40, "fault": {"kind": "crash", "host": "host-0", "restart_after_ms": 500}}],
///     "rates": {"message_loss": 2.0}
/// }"#).unwrap();
/// assert_eq!(plan.schedule().len(), 1);
/// assert_eq!(plan.rate(FaultKind::MessageLoss), 2.0);
///
/// let err = serde_json::from_str::<FaultPlan>(r#"{"rates": {"meteor": 1.0}}"#).unwrap_err();
/// assert!(err.to_string().contains("unknown variant `meteor`"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Faults at fixed times.
    #[serde(default)]
    pub(crate) schedule: Vec<ScheduledFault>,
    /// Random faults: expected injections per simulated second, per kind.
    /// For `message_loss` the rate is the percent of messages dropped; for
    /// `buggify`, the percent of enabled buggify points that fire.
    #[serde(default)]
    pub(crate) rates: BTreeMap<FaultKind, f64>,
    /// Random faults are injected only during the first `safety_ms` of the
    /// run; after it the world heals (default: 5 simulated seconds).
    #[serde(default = "FaultPlan::safety_ms_default")]
    pub(crate) safety_ms: u64,
    /// Rates of the kinds platform services inject into their own
    /// operations (percent of operations), in force only in runs that bind
    /// such a service. Kept apart from `rates` so that a plan drawn for a
    /// run without those services reads, and runs, exactly as before.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) service_rates: BTreeMap<FaultKind, f64>,
    /// Drawn by swarm mode: a platform service bound in the run draws its
    /// own kinds' rates then (see [`FaultPlan::swarm_service_rates`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) swarm: bool,
    /// The schedule is what a run's random faults drew (see
    /// [`FaultPlan::replaying`]): the rates of the faults that come at
    /// random times are not drawn again, they only say what that run had.
    /// The rates of per-message and per-operation faults still apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) replay: bool,
    /// Drawn by swarm mode for one seed in [`CALM_ONE_IN`]: the seed runs
    /// with no fault at all.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) calm: bool,
}

/// Swarm mode runs one seed in this many calm, with no injected fault:
/// some bugs (about hibernation, alarms, natural eviction) show only when
/// nothing else disturbs the run — a crash makes clients reconnect, which
/// hides them. Which seeds are calm is drawn from the seed (a stream of its
/// own), so a calm seed is calm in every replay.
pub const CALM_ONE_IN: u64 = 8;

impl FaultPlan {
    fn safety_ms_default() -> u64 {
        5_000
    }

    /// No faults at all.
    pub fn none() -> FaultPlan {
        FaultPlan {
            safety_ms: FaultPlan::safety_ms_default(),
            ..FaultPlan::default()
        }
    }

    /// Adds `fault` at `at_ms` simulated milliseconds to the schedule.
    pub fn with_fault(mut self, at_ms: u64, fault: Fault) -> FaultPlan {
        self.schedule.push(ScheduledFault::new(at_ms, fault));
        self
    }

    /// Sets the rate of random faults of `kind` (see [`rates`](Self::rates)).
    pub fn with_rate(mut self, kind: FaultKind, rate: f64) -> FaultPlan {
        if kind.is_service() {
            self.service_rates.insert(kind, rate);
        } else {
            self.rates.insert(kind, rate);
        }
        self
    }

    /// Sets how long random faults are injected before the world heals.
    pub fn with_safety_ms(mut self, safety_ms: u64) -> FaultPlan {
        self.safety_ms = safety_ms;
        self
    }

    /// Faults at fixed times, in the order they were added.
    pub fn schedule(&self) -> &[ScheduledFault] {
        &self.schedule
    }

    /// Random faults: expected injections per simulated second, per kind.
    /// For `message_loss` the rate is the percent of messages dropped; for
    /// `buggify`, the percent of enabled buggify points that fire.
    pub fn rates(&self) -> &BTreeMap<FaultKind, f64> {
        &self.rates
    }

    /// Random faults are injected only during the first `safety_ms` of the
    /// run; after it the world heals.
    pub fn safety_ms(&self) -> u64 {
        self.safety_ms
    }

    /// The rate of `kind` (0 when absent).
    pub fn rate(&self, kind: FaultKind) -> f64 {
        self.rates
            .get(&kind)
            .or(self.service_rates.get(&kind))
            .copied()
            .unwrap_or(0.0)
    }

    /// Rates of the kinds platform services inject into their own
    /// operations: percent of operations, in runs that bind the service.
    pub fn service_rates(&self) -> &BTreeMap<FaultKind, f64> {
        &self.service_rates
    }

    /// This plan with `applied` — the faults a run of it applied, in the
    /// order it applied them — as its schedule, and its random times not
    /// drawn again: the plan that replays that run exactly. Per-message and
    /// per-operation faults (loss, buggify, the platform services') are
    /// still drawn at their rates, from the same streams as before.
    pub fn replaying(&self, applied: &[ScheduledFault]) -> FaultPlan {
        FaultPlan {
            schedule: applied.to_vec(),
            replay: true,
            ..self.clone()
        }
    }

    /// This plan without the rates of the kinds that come at random times,
    /// and no longer a replay: its schedule is all it injects at a time.
    pub(crate) fn without_timed_rates(&self) -> FaultPlan {
        let mut plan = self.clone();
        plan.rates.retain(|kind, _| !FaultPlan::is_timed(*kind));
        plan.replay = false;
        plan
    }

    /// Whether faults of `kind` come at random times, drawn by the
    /// injector at the plan's rate (not per message or per operation).
    pub fn is_timed(kind: FaultKind) -> bool {
        !(kind.is_service()
            || matches!(kind, FaultKind::MessageLoss | FaultKind::Buggify)
            || FaultKind::QUEUE.contains(&kind)
            || FaultKind::BUCKET.contains(&kind))
    }

    /// Whether the plan can inject anything.
    pub fn is_empty(&self) -> bool {
        self.schedule.is_empty()
            && self
                .rates
                .values()
                .chain(self.service_rates.values())
                .all(|r| *r <= 0.0)
    }

    /// Whether this is a calm seed's plan (see [`CALM_ONE_IN`]).
    pub fn is_calm(&self) -> bool {
        self.calm
    }

    /// Swarm testing (Groce et al., ISSTA 2012): for this seed, each fault
    /// kind is switched on with probability one half, at a random
    /// intensity; drawn from the seed's configuration stream alone. One
    /// seed in [`CALM_ONE_IN`] is calm instead: no faults at all.
    ///
    /// ```
    /// use dosim::sim::{FaultPlan, CALM_ONE_IN};
    /// use dosim::Seed;
    /// let calm = (0..800).filter(|i| FaultPlan::swarm(Seed::nth(*i)).is_calm()).count();
    /// assert!((60..140).contains(&calm), "{calm} calm seeds of 800");
    /// let plan = (0..).map(|i| FaultPlan::swarm(Seed::nth(i))).find(|p| p.is_calm()).unwrap();
    /// assert!(plan.is_empty());
    /// # assert_eq!(CALM_ONE_IN, 8);
    /// ```
    pub fn swarm(seed: Seed) -> FaultPlan {
        if seed.rng(Stream::Calm).gen_range(0..CALM_ONE_IN) == 0 {
            return FaultPlan {
                calm: true,
                ..FaultPlan::none()
            };
        }
        let mut rng = seed.rng(Stream::Config);
        let mut rates = BTreeMap::new();
        for kind in FaultKind::ALL.iter().filter(|k| !k.is_service()) {
            if FaultKind::BUCKET.contains(kind) {
                // Drawn when a bucket is bound, not here.
                continue;
            }
            if !rng.gen_bool(0.5) {
                continue;
            }
            let (lo, hi) = match kind {
                FaultKind::MessageLoss => (1.0, 10.0),
                FaultKind::Buggify => (5.0, 50.0),
                FaultKind::Crash | FaultKind::CodeUpdate | FaultKind::StorageFailure => (0.2, 2.0),
                _ => (0.5, 4.0),
            };
            let rate: f64 = rng.gen_range(lo..hi);
            rates.insert(*kind, (rate * 100.0).round() / 100.0);
        }
        // Platform services' kinds come from streams of their own, so that
        // adding them left every other kind's draw as it was.
        let mut service_rates = swarm_service_rates(seed);
        let mut rng = seed.rng(Stream::ServiceConfig);
        for kind in FaultKind::SERVICE {
            if !rng.gen_bool(0.5) {
                continue;
            }
            let (lo, hi) = match kind {
                FaultKind::ServiceSlow => (5.0, 30.0),
                _ => (1.0, 10.0),
            };
            let rate: f64 = rng.gen_range(lo..hi);
            service_rates.insert(*kind, (rate * 100.0).round() / 100.0);
        }
        FaultPlan {
            rates,
            swarm: true,
            service_rates,
            ..FaultPlan::none()
        }
    }

    /// The rates of a service's fault `kinds` in this plan: those the plan
    /// sets; in swarm mode, for kinds it does not set, each switched on with
    /// probability one half at `lo..hi` percent, drawn from `rng` (the
    /// service's own stream, so runs without the service are unchanged).
    pub(crate) fn swarm_service_rates(
        &self,
        kinds: &[FaultKind],
        rng: &super::rng::RunRng,
        lo: f64,
        hi: f64,
    ) -> BTreeMap<FaultKind, f64> {
        let mut rates = BTreeMap::new();
        for kind in kinds {
            if let Some(rate) = self.rates.get(kind) {
                rates.insert(*kind, *rate);
            } else if self.swarm && rng.chance(50.0) {
                let rate = lo + (hi - lo) * rng.below(1_000) as f64 / 1_000.0;
                rates.insert(*kind, (rate * 100.0).round() / 100.0);
            }
        }
        rates
    }

    /// Checks that every location the schedule names exists in `world`
    /// and is of the right kind, and that rates are finite and not negative.
    pub fn validate(&self, world: &super::world_config::WorldConfig) -> Result<(), String> {
        use super::world_config::LocationKind;
        let check = |name: &str, kinds: &[LocationKind], what: &str| -> Result<(), String> {
            match world.locations().iter().find(|l| l.name == name) {
                Some(l) if kinds.contains(&l.kind) => Ok(()),
                Some(_) => Err(format!("fault plan: `{name}` is not a {what}")),
                None => Err(format!(
                    "fault plan: no location named `{name}`; the world has: {}",
                    world
                        .locations()
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        };
        let any = [
            LocationKind::Client,
            LocationKind::Host,
            LocationKind::Storage,
        ];
        for s in &self.schedule {
            match &s.fault {
                Fault::Crash { host, .. }
                | Fault::Evict { host }
                | Fault::Hibernate { host }
                | Fault::StorageFailure { host } => check(host, &[LocationKind::Host], "host")?,
                Fault::Partition { a, b, .. } => {
                    check(a, &any, "location")?;
                    check(b, &any, "location")?;
                }
                Fault::ClientPause { client, .. } => {
                    check(client, &[LocationKind::Client], "client")?
                }
                Fault::CodeUpdate { .. }
                | Fault::SlowStorage { .. }
                | Fault::QueueDuplicate { .. }
                | Fault::QueueConsumerCrash { .. }
                | Fault::QueueSendFailure { .. } => {}
                Fault::ServiceCall { service, fault } => {
                    if !fault.is_service() {
                        return Err(format!(
                            "fault plan: `{fault}` is not a fault of a service call (for `{service}`); \
                             use one of: {}",
                            FaultKind::SERVICE
                                .iter()
                                .map(|k| k.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
                Fault::BucketError { bucket }
                | Fault::BucketSlow { bucket, .. }
                | Fault::BucketLostPut { bucket } => {
                    if bucket.is_empty() {
                        return Err("fault plan: a bucket fault needs a bucket name".into());
                    }
                }
            }
        }
        for (kind, rate) in self.rates.iter().chain(&self.service_rates) {
            if !rate.is_finite() || *rate < 0.0 {
                return Err(format!(
                    "fault plan: the rate of {kind} must be a number >= 0, not {rate}"
                ));
            }
        }
        Ok(())
    }

    /// Reads a plan from a JSON file, with an error that names the file and
    /// the problem.
    pub fn from_file(path: &std::path::Path) -> Result<FaultPlan, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("fault plan {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("fault plan {}: {e}", path.display()))
    }
}

/// Swarm's rates for the kinds a KV namespace injects: each on with
/// probability one half, at 1 to 10 percent of operations. Drawn from a
/// stream of their own, so the rest of the plan is what it was before these
/// kinds existed.
fn swarm_service_rates(seed: Seed) -> BTreeMap<FaultKind, f64> {
    let mut rng = seed.rng(Stream::ServiceFaults);
    let mut rates = BTreeMap::new();
    for kind in FaultKind::KV_NAMESPACE {
        if rng.gen_bool(0.5) {
            let rate: f64 = rng.gen_range(1.0..10.0);
            rates.insert(*kind, (rate * 100.0).round() / 100.0);
        }
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swarm_plans_vary_by_seed_and_repeat_per_seed() {
        let plans: Vec<FaultPlan> = (0..20).map(|i| FaultPlan::swarm(Seed::nth(i))).collect();
        assert_eq!(plans[3], FaultPlan::swarm(Seed::nth(3)));
        let distinct: std::collections::BTreeSet<Vec<FaultKind>> = plans
            .iter()
            .map(|p| p.rates.keys().copied().collect())
            .collect();
        assert!(distinct.len() > 10, "{} distinct subsets", distinct.len());
    }

    #[test]
    fn plans_round_trip_and_refuse_unknown_kinds() {
        let plan = FaultPlan::swarm(Seed(9));
        let text = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<FaultPlan>(&text).unwrap(), plan);
        let bad = r#"{"schedule": [{"at_ms": 1, "fault": {"kind": "flood", "host": "x"}}]}"#;
        let err = serde_json::from_str::<FaultPlan>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown variant `flood`"), "{err}");
        let bad = r#"{"schedul": []}"#;
        let err = serde_json::from_str::<FaultPlan>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `schedul`"), "{err}");
    }
}
