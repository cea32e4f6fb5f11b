//! Seed sweeps: the entry points a test or an example calls.
//!
//! Two tiers, as in shuttle: [`check`] runs a body over the default sweep
//! and panics with a report on failure (the one-liner for `cargo test`);
//! [`Runner`] beneath it sets the sweep, the world and the limits, and
//! returns a [`Report`] instead of panicking.
//!
//! `DOSIM_SEED=<seed>` replays exactly that seed; `DOSIM_SEEDS=<n>` sets the
//! sweep size. [`Runner::jobs`] runs seeds on several threads (results are
//! still reported in seed order) and [`Runner::shard`] runs one part of a
//! sweep split across machines. Each sweep also runs its first seed a second time and
//! compares the two traces event by event (every seed with
//! `DOSIM_CHECK_DETERMINISM=1`).

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::pool::{for_each_in_order, jobs_default};
use super::progress::Progress;
use super::replay::Replay;
use super::report::{failure_report, trace_dir, write_trace, Failure, Report};
use super::run::{run_seed, Body, FailureReason, Faults, RunOptions, RunRecord};
use super::shard::Shard;
use super::sim::Sim;
use crate::mutations::Mutation;
use crate::runtime::error::Result;
use crate::settings::Settings;
use crate::sim::clock::format_sim_time;
use crate::sim::seed::Seed;
use crate::sim::world_config::WorldConfig;
use crate::trace::{self, first_divergence};

/// Seeds a sweep runs when nothing says otherwise.
pub const SEEDS_DEFAULT: u64 = 100;

/// How long swarm faults keep coming in each run unless
/// [`Runner::fault_window`] says otherwise.
pub const FAULT_WINDOW_DEFAULT: Duration = Duration::from_secs(5);

/// Runs `body` over the default sweep (or `DOSIM_SEED` / `DOSIM_SEEDS`)
/// under swarm faults; panics with a failure report, the seed and the
/// replay command if any seed fails. A passing sweep prints one line to
/// stderr, which `cargo test` shows: the seeds run, the faults injected
/// and the fault window.
///
/// ```
/// dosim::check("doc_check", |sim: dosim::Sim| async move {
///     dosim::sleep(std::time::Duration::from_secs(1)).await;
///     assert_eq!(sim.elapsed().as_secs(), 1);
///     Ok(())
/// });
/// ```
pub fn check<F, Fut>(test: &str, body: F)
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let runner = Runner::new(test).faults_or(Faults::Swarm).quiet();
    let report = runner.run(body);
    report.assert_passed();
    // Straight to the file handle, past the test harness's capture: the
    // line is there to show, in a green run too, that faults were injected.
    let _ = writeln!(std::io::stderr().lock(), "{}", report.one_line());
}

/// A configurable seed sweep. See the module documentation.
#[derive(Clone, Debug)]
#[must_use = "a runner does nothing until it runs: call `run(..)`"]
pub struct Runner {
    test: String,
    seeds: u64,
    first_seed_index: u64,
    options: RunOptions,
    /// Whether [`Runner::faults`] was called: the entry points that default
    /// to swarm faults leave an explicit setting alone.
    faults_set: bool,
    determinism_sample: u64,
    replay: Option<Replay>,
    quiet: bool,
    jobs: Option<usize>,
    shard: Shard,
    progress: bool,
}

impl Runner {
    /// A sweep named `test` (the name goes into reports and trace files).
    pub fn new(test: &str) -> Runner {
        Runner {
            test: test.to_string(),
            seeds: SEEDS_DEFAULT,
            first_seed_index: 0,
            options: RunOptions {
                world: WorldConfig::default(),
                faults: Faults::None,
                fault_window: FAULT_WINDOW_DEFAULT,
                deadline: Duration::from_secs(600),
                liveness_bound: Duration::from_secs(60),
                steps_max: 1_000_000,
                monitors: true,
                mutation: Settings::get().mutation,
            },
            faults_set: false,
            determinism_sample: 1,
            replay: None,
            quiet: false,
            jobs: Some(1),
            shard: Shard::whole(),
            progress: false,
        }
    }

    /// How many seeds to sweep (`DOSIM_SEEDS` overrides it).
    pub fn seeds(mut self, n: u64) -> Runner {
        self.seeds = n;
        self
    }

    /// Starts the sweep at the `index`-th seed instead of the first.
    pub fn first_seed_index(mut self, index: u64) -> Runner {
        self.first_seed_index = index;
        self
    }

    /// The world every run is built in.
    pub fn world(mut self, world: WorldConfig) -> Runner {
        self.options.world = world;
        self
    }

    /// Whether idle instances are evicted after their idle window with no
    /// fault (on by default, as in production); a shortcut for
    /// [`WorldConfig::natural_eviction`] on the runner's world.
    pub fn natural_eviction(mut self, on: bool) -> Runner {
        self.options.world = self.options.world.natural_eviction(on);
        self
    }

    /// Which faults to inject. Unset, [`Runner::run`] injects none, while
    /// [`check`] and the command line ([`crate::cli::main`]) sweep in swarm
    /// mode; once set, every entry point keeps it (the command line's
    /// `--faults` still overrides it).
    pub fn faults(mut self, faults: Faults) -> Runner {
        self.options.faults = faults;
        self.faults_set = true;
        self
    }

    /// `faults`, unless [`Runner::faults`] chose already: an entry point's
    /// own default.
    pub(crate) fn faults_or(mut self, faults: Faults) -> Runner {
        if !self.faults_set {
            self.options.faults = faults;
        }
        self
    }

    /// How long swarm faults keep coming: random faults are injected
    /// during the first `window` of simulated time of each run, then the
    /// world heals (default 5 s). A workload that runs for hours sets it
    /// to its own length to meet faults all along; a window longer than
    /// the deadline (`Duration::MAX`, say) lasts until the run ends. A
    /// fault plan file sets its own window (`safety_ms`).
    pub fn fault_window(mut self, window: Duration) -> Runner {
        self.options.fault_window = window;
        self
    }

    /// Until when faults come, if any can: the swarm window, or a plan's
    /// own `safety_ms`.
    pub fn fault_window_setting(&self) -> Option<Duration> {
        match &self.options.faults {
            Faults::None => None,
            Faults::Swarm => Some(self.options.swarm_window()),
            Faults::Plan(plan) if plan.is_empty() => None,
            Faults::Plan(plan) => Some(Duration::from_millis(plan.safety_ms)),
        }
    }

    /// The fault setting.
    pub fn fault_setting(&self) -> &Faults {
        &self.options.faults
    }

    /// Simulated time after which a run that has not finished fails
    /// (default 600 s).
    pub fn deadline(mut self, deadline: Duration) -> Runner {
        self.options.deadline = deadline;
        self
    }

    /// How long, after the body ends and the world heals, calls still out
    /// may take to settle before the `liveness` monitor calls them hung.
    pub fn liveness_bound(mut self, bound: Duration) -> Runner {
        self.options.liveness_bound = bound;
        self
    }

    /// Plants the bug `mutation` in every run (`DOSIM_MUTATION` sets the
    /// default). Needs the `mutations` feature; without it the sweep
    /// refuses to start.
    pub fn mutation(mut self, mutation: Option<Mutation>) -> Runner {
        self.options.mutation = mutation;
        self
    }

    /// Whether the invariant monitors check every run (on by default; off
    /// only to measure what they cost).
    pub fn monitors(mut self, on: bool) -> Runner {
        self.options.monitors = on;
        self
    }

    /// Steps (event polls and deliveries) after which a run fails.
    pub fn steps_max(mut self, steps: u64) -> Runner {
        self.options.steps_max = steps;
        self
    }

    /// How many of the first seeds also run twice to check determinism.
    pub fn determinism_sample(mut self, n: u64) -> Runner {
        self.determinism_sample = n;
        self
    }

    /// The replay command to print; detected from the process otherwise.
    pub fn replay(mut self, replay: Replay) -> Runner {
        self.replay = Some(replay);
        self
    }

    /// Prints nothing (the caller reads the [`Report`]).
    pub fn quiet(mut self) -> Runner {
        self.quiet = true;
        self
    }

    /// Runs seeds on `jobs` worker threads (`None`: one per core; the
    /// default is 1). Results are collected and reported in seed order, so
    /// the report is the same whatever the number.
    pub fn jobs(mut self, jobs: Option<usize>) -> Runner {
        self.jobs = jobs;
        self
    }

    /// Runs only `shard` of the sweep: see [`Shard`].
    pub fn shard(mut self, shard: Shard) -> Runner {
        self.shard = shard;
        self
    }

    /// Shows a progress bar on stderr while sweeping, if it is a terminal.
    pub fn progress(mut self, on: bool) -> Runner {
        self.progress = on;
        self
    }

    /// The sweep's name.
    pub fn test_name(&self) -> &str {
        &self.test
    }

    /// The world every run is built in.
    pub fn world_config(&self) -> &WorldConfig {
        &self.options.world
    }

    /// The planted bug, if any.
    pub(crate) fn mutation_setting(&self) -> Option<Mutation> {
        self.options.mutation
    }

    /// The replay command this runner prints.
    pub(crate) fn replay_setting(&self) -> Replay {
        self.replay.clone().unwrap_or_else(Replay::detect)
    }

    /// The seeds this runner will run, after `DOSIM_SEED` and `DOSIM_SEEDS`.
    pub fn planned_seeds(&self) -> std::result::Result<Vec<Seed>, String> {
        let settings = Settings::get();
        if let Some(seed) = &settings.seed {
            return seed
                .clone()
                .map(|s| vec![s])
                .map_err(|e| format!("DOSIM_SEED: {e}"));
        }
        let n = match &settings.seeds {
            Some(n) => n.clone()?,
            None => self.seeds,
        };
        if n == 0 {
            return Err(format!(
                "{}: a sweep of 0 seeds runs nothing and tests nothing; ask for at least 1",
                self.test
            ));
        }
        Ok((0..n)
            .filter(|i| self.shard.contains(*i))
            .map(|i| Seed::nth(self.first_seed_index + i))
            .collect())
    }

    /// Runs exactly `seeds`, ignoring the environment.
    pub fn run_seeds<F, Fut>(&self, seeds: &[Seed], body: F) -> Report
    where
        F: Fn(Sim) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + 'static,
    {
        let body: Body = Arc::new(move |sim| Box::pin(body(sim)));
        self.sweep(seeds, &body)
    }

    /// Sweeps this runner's seeds until `budget` of wall-clock time is
    /// spent (or every seed ran, when the sweep has a size): for nightly
    /// jobs. The budget only decides how many seeds run, never what one
    /// does; the seeds run are the sweep's first ones, in order.
    pub(crate) fn sweep_for(&self, budget: Duration, sized: bool, body: &Body) -> Report {
        let settings = Settings::get();
        if let Some(seed) = &settings.seed {
            return match seed.clone() {
                Ok(seed) => self.sweep(&[seed], body),
                Err(e) => Report::setup_failed(&self.test, format!("DOSIM_SEED: {e}")),
            };
        }
        let count = match (&settings.seeds, sized) {
            (Some(Err(e)), _) => return Report::setup_failed(&self.test, e.clone()),
            (Some(Ok(n)), _) => (0..*n).filter(|i| self.shard.contains(*i)).count(),
            (None, true) => (0..self.seeds).filter(|i| self.shard.contains(*i)).count(),
            (None, false) => usize::MAX,
        };
        let seed_at = |k: usize| Seed::nth(self.first_seed_index + self.shard.nth_index(k as u64));
        self.sweep_until(count, &seed_at, Some(budget), body)
    }

    /// Runs `seeds` with `body`, on the configured number of threads.
    pub(crate) fn sweep(&self, seeds: &[Seed], body: &Body) -> Report {
        self.sweep_until(seeds.len(), &|i| seeds[i], None, body)
    }

    /// Runs the seeds `seed_at(0..count)` with `body`, starting none once
    /// `budget` is spent.
    fn sweep_until(
        &self,
        count: usize,
        seed_at: &(dyn Fn(usize) -> Seed + Sync),
        budget: Option<Duration>,
        body: &Body,
    ) -> Report {
        if Settings::get().log.is_some() {
            crate::sim::logging::init_logging();
        }
        let replay = self.replay_setting();
        let started = Instant::now();
        let mut report = Report {
            test: self.test.clone(),
            runs: 0,
            failures: Vec::new(),
            setup_error: None,
            wall: Duration::ZERO,
            faults_injected: BTreeMap::new(),
            fault_window: self.fault_window_setting(),
            natural: Default::default(),
            budget_spent: budget,
            calm: 0,
        };
        let every = Settings::get().check_determinism_all;
        // An endless sweep has no end to show progress towards.
        let shown = self.progress && !self.quiet && count != usize::MAX;
        let progress = Progress::new(count as u64, shown);
        let work = |i: usize| {
            let seed = seed_at(i);
            let mut record = run_seed(seed, &self.options, body);
            if record.failure.is_none() && (every || (i as u64) < self.determinism_sample) {
                let again = run_seed(seed, &self.options, body);
                if let Some(reason) = divergence(&record, &again) {
                    record.failure = Some(reason);
                }
                trace::recycle(again.trace);
            }
            // A failure is written out here, on the worker (delivery is one
            // worker at a time); after that, as for a passing run, the
            // trace is not needed and its list records the next run's.
            let failure = record
                .failure
                .is_some()
                .then(|| self.report_failure(&record, &replay));
            trace::recycle(std::mem::take(&mut record.trace));
            (record, failure)
        };
        let jobs = self.jobs.unwrap_or_else(jobs_default);
        let spent = || budget.is_some_and(|b| started.elapsed() >= b);
        for_each_in_order(count, jobs, spent, work, |_, (record, failure)| {
            report.runs += 1;
            for (kind, n) in &record.faults_injected {
                *report.faults_injected.entry(*kind).or_insert(0) += n;
            }
            report.natural.add(record.natural);
            report.calm += u64::from(record.plan.calm);
            if let Some(failure) = failure {
                // The first failure in full; the summary lists the rest,
                // one line each.
                if !self.quiet && report.failures.is_empty() {
                    progress.eprint(&failure.text);
                }
                report.failures.push(failure);
            }
            progress.inc(report.failures.len());
        });
        progress.finish();
        report.wall = started.elapsed();
        if report.runs as usize == count {
            report.budget_spent = None;
        }
        report
    }

    /// Runs one seed and returns its whole record (trace included), with no
    /// report and no determinism check: for tests that look at the trace.
    pub fn record<F, Fut>(&self, seed: Seed, body: F) -> RunRecord
    where
        F: Fn(Sim) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + 'static,
    {
        let body: Body = Arc::new(move |sim| Box::pin(body(sim)));
        self.record_body(seed, &body)
    }

    /// [`Runner::record`] with the body already boxed.
    pub(crate) fn record_body(&self, seed: Seed, body: &Body) -> RunRecord {
        if Settings::get().log.is_some() {
            crate::sim::logging::init_logging();
        }
        let mut record = run_seed(seed, &self.options, body);
        // The caller keeps the trace: it holds no room for growth.
        record.trace.shrink_to_fit();
        record
    }

    /// Runs the planned sweep.
    pub fn run<F, Fut>(&self, body: F) -> Report
    where
        F: Fn(Sim) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + 'static,
    {
        if let Err(e) = self.setup_check() {
            return Report::setup_failed(&self.test, e);
        }
        match self.planned_seeds() {
            Ok(seeds) => self.run_seeds(&seeds, body),
            Err(e) => Report::setup_failed(&self.test, e),
        }
    }

    /// Why the runs could not start, if they cannot: a bad mutation
    /// setting, or a fault plan that does not fit the world.
    pub(crate) fn setup_check(&self) -> std::result::Result<(), String> {
        if let Some(e) = &Settings::get().mutation_error {
            return Err(e.clone());
        }
        if let (Some(m), false) = (self.options.mutation, cfg!(feature = "mutations")) {
            return Err(format!(
                "the mutation {} needs the `mutations` feature: add --features mutations",
                m.name()
            ));
        }
        if let Faults::Plan(plan) = &self.options.faults {
            plan.validate(&self.options.world)?;
        }
        Ok(())
    }

    pub(crate) fn report_failure(&self, record: &RunRecord, replay: &Replay) -> Failure {
        let command = replay.command_with(record.seed, self.options.mutation);
        let path = write_trace(&trace_dir(), &self.test, &self.options.world, record).ok();
        let text = failure_report(
            &self.test,
            &self.options.world,
            record,
            &command,
            path.as_deref(),
        );
        Failure {
            seed: record.seed,
            reason: record
                .failure
                .clone()
                .expect("only failed runs are reported"),
            replay: command,
            trace_path: path.map(|p| p.display().to_string()),
            text,
        }
    }
}

/// Compares two runs of one seed; names the first event that differs.
fn divergence(a: &RunRecord, b: &RunRecord) -> Option<FailureReason> {
    if a.trace.len() == b.trace.len() && a.trace_hash() == b.trace_hash() {
        return None;
    }
    let i = first_divergence(&a.trace, &b.trace)?;
    let show = |r: &RunRecord| match r.trace.get(i) {
        Some(e) => format!("{e:?}"),
        None => "(trace ended)".to_string(),
    };
    let t = a.trace.get(i).or(b.trace.get(i)).map_or(0, |e| e.t);
    Some(FailureReason::Nondeterminism(format!(
        "seed {} ran twice gave different traces; first difference is event #{i} at t={}:\n    first:  {}\n    second: {}",
        a.seed,
        format_sim_time(t),
        show(a),
        show(b)
    )))
}
