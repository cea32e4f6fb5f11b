//! One seed, one run, on a fresh thread.
//!
//! Each run gets its own thread, madsim runtime and world, so nothing —
//! std's hasher keys, thread-locals, leftover tasks — carries from one seed
//! into the next. The run ends when the body returns, when anything stops
//! the world (the step bound), or at the simulated-time deadline, whichever
//! comes first; a panic anywhere is caught and becomes the run's failure.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures::future::{select, Either};

use super::fresh_thread;
use super::sim::Sim;
use crate::monitors;
use crate::runtime::error::Result;
use crate::runtime::fault_injector;
use crate::runtime::panic_capture;
use crate::runtime::runtime::Runtime;
use crate::sim::faults::{FaultKind, FaultPlan};
use crate::sim::seed::Seed;
use crate::trace::{trace_hash, TraceEntry, What};

impl RunRecord {
    /// A digest of the whole trace, for comparing runs (computed on demand:
    /// most runs never need it).
    pub fn trace_hash(&self) -> u64 {
        trace_hash(&self.trace)
    }
}
use crate::sim::world::{StopReason, World};
use crate::sim::world_config::WorldConfig;

/// Which faults a sweep injects.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Faults {
    /// None: the happy path.
    None,
    /// Swarm mode: a random subset of kinds at random rates, per seed.
    Swarm,
    /// The same plan for every seed.
    Plan(FaultPlan),
}

impl Faults {
    /// The plan for `seed`.
    pub fn plan_for(&self, seed: Seed) -> FaultPlan {
        match self {
            Faults::None => FaultPlan::none(),
            Faults::Swarm => FaultPlan::swarm(seed),
            Faults::Plan(p) => p.clone(),
        }
    }

    /// Parses a `--faults` value: `swarm`, `none`, or a plan file's path.
    pub fn parse(arg: &str) -> std::result::Result<Faults, String> {
        match arg {
            "swarm" => Ok(Faults::Swarm),
            "none" => Ok(Faults::None),
            path => FaultPlan::from_file(std::path::Path::new(path)).map(Faults::Plan),
        }
    }
}

/// The limits and world of a run.
#[derive(Clone, Debug)]
pub(crate) struct RunOptions {
    pub(crate) world: WorldConfig,
    pub(crate) faults: Faults,
    /// How long swarm faults keep coming.
    pub(crate) fault_window: Duration,
    pub(crate) deadline: Duration,
    pub(crate) liveness_bound: Duration,
    pub(crate) steps_max: u64,
    /// Whether the monitors check the run's trace.
    pub(crate) monitors: bool,
    /// The planted bug, if any (feature `mutations`).
    pub(crate) mutation: Option<crate::mutations::Mutation>,
}

impl RunOptions {
    /// The fault plan of `seed`'s run: a swarm plan injects during the
    /// configured window.
    pub(crate) fn plan_for(&self, seed: Seed) -> FaultPlan {
        let mut plan = self.faults.plan_for(seed);
        if self.faults == Faults::Swarm {
            plan.safety_ms = u64::try_from(self.swarm_window().as_millis()).unwrap_or(u64::MAX);
        }
        plan
    }

    /// How long swarm faults come: the fault window, but no longer than
    /// the run may last (`Duration::MAX` means "until the run ends").
    pub(crate) fn swarm_window(&self) -> Duration {
        self.fault_window.min(self.deadline)
    }
}

/// Why a run failed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FailureReason {
    /// The test body returned an error (a property did not hold).
    Body(String),
    /// Something panicked outside an object's handler: an assertion in the
    /// test body, or a runtime invariant.
    Panic(String),
    /// The body had not finished by the simulated-time deadline.
    Deadline(Duration),
    /// The run took more steps than allowed.
    StepBound(u64),
    /// The same seed gave two different traces.
    Nondeterminism(String),
    /// A runtime invariant failed (a monitor fired).
    Invariant {
        /// The monitor's name.
        monitor: String,
        /// What it saw.
        message: String,
    },
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureReason::Body(m) => write!(f, "property failed: {m}"),
            FailureReason::Panic(m) => write!(f, "panicked: {m}"),
            FailureReason::Deadline(d) => write!(
                f,
                "deadline exceeded: the test body had not finished after {}s of simulated time \
                 (`Runner::deadline` moves the deadline)",
                d.as_secs_f64()
            ),
            FailureReason::StepBound(n) => write!(
                f,
                "step bound exceeded: more than {n} steps (a livelock or a runaway loop?)"
            ),
            FailureReason::Nondeterminism(m) => write!(f, "nondeterminism: {m}"),
            FailureReason::Invariant { monitor, message } => {
                write!(f, "invariant `{monitor}` violated: {message}")
            }
        }
    }
}

/// The record of one run.
#[derive(Clone, Debug)]
pub struct RunRecord {
    /// The run's seed.
    pub seed: Seed,
    /// Why it failed, if it did.
    pub failure: Option<FailureReason>,
    /// Simulated nanoseconds when it ended.
    pub end_ns: u64,
    /// Every event.
    pub trace: Vec<TraceEntry>,
    /// Steps taken.
    pub steps: u64,
    /// The run's fault plan.
    pub plan: FaultPlan,
    /// Every fault applied, as a schedule that would apply it again.
    pub faults_applied: Vec<crate::sim::faults::ScheduledFault>,
    /// How many faults of each kind were injected.
    pub faults_injected: BTreeMap<FaultKind, u64>,
    /// The trace index of the event a monitor flagged, if one did.
    pub failure_event: Option<usize>,
    /// Instances the runtime ended on its own, with no fault.
    pub natural: crate::sim::NaturalEnds,
}

/// A test body: builds the run's future from its [`Sim`].
pub(crate) type Body =
    Arc<dyn Fn(Sim) -> std::pin::Pin<Box<dyn Future<Output = Result<()>>>> + Send + Sync>;

/// The second phase of a run: faults stop, the world heals, and the run
/// waits until every call still out has settled, or `bound` of simulated
/// time has passed (the liveness monitor then names what hung).
async fn liveness_phase(world: &World, bound: Duration) {
    world.faults.heal();
    let at = world.config().storage();
    world.record(at, None, 0, What::LivenessPhase);
    let until = world.now() + bound;
    while world.calls_open() > 0 && world.now() < until {
        madsim::time::sleep(LIVENESS_POLL).await;
    }
}

/// Returns Pending once, after asking to be polled again: lets every task
/// woken so far run first.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// How often the liveness phase looks at the calls still out.
const LIVENESS_POLL: Duration = Duration::from_millis(100);

/// Runs `seed` on a fresh thread and waits for it.
pub(crate) fn run_seed(seed: Seed, opts: &RunOptions, body: &Body) -> RunRecord {
    fresh_thread::run_on_fresh_thread(&format!("dosim-{seed}"), || run_here(seed, opts, body))
        .expect("the OS refused a thread for a run")
        .unwrap_or_else(|payload| RunRecord {
            seed,
            failure: Some(FailureReason::Panic(panic_capture::payload_text(
                payload.as_ref(),
            ))),
            end_ns: 0,
            trace: Vec::new(),
            steps: 0,
            plan: opts.plan_for(seed),
            faults_injected: BTreeMap::new(),
            faults_applied: Vec::new(),
            failure_event: None,
            natural: Default::default(),
        })
}

/// Runs `seed` on the current thread (which must be fresh).
fn run_here(seed: Seed, opts: &RunOptions, body: &Body) -> RunRecord {
    panic_capture::install_hook();
    let madsim_rt = madsim::runtime::Runtime::with_seed_and_config(
        seed.madsim_seed(),
        madsim::Config::default(),
    );
    let world_slot: Rc<RefCell<Option<Rc<World>>>> = Rc::default();
    let slot = world_slot.clone();
    let plan = opts.plan_for(seed);
    let run_plan = plan.clone();
    let outcome = panic_capture::catch(|| {
        madsim_rt.block_on(async move {
            let world = World::new(seed, opts.world.clone(), run_plan, opts.steps_max);
            let world = Rc::new(world);
            *slot.borrow_mut() = Some(world.clone());
            let _current = crate::sim::world::enter(&world);
            let _planted = crate::mutations::plant(opts.mutation);
            let rt = Runtime::new(world.clone());
            fault_injector::start(&rt);
            let body_fut = body(Sim::new(rt.clone(), opts.liveness_bound));
            let limits = Box::pin(async {
                let deadline = Box::pin(madsim::time::sleep(opts.deadline));
                match select(Box::pin(world.stopped()), deadline).await {
                    Either::Left((StopReason::StepBound(n), _)) => FailureReason::StepBound(n),
                    Either::Right(_) => FailureReason::Deadline(opts.deadline),
                }
            });
            let failure = match select(body_fut, limits).await {
                Either::Left((Ok(()), _)) => None,
                Either::Left((Err(e), _)) => Some(FailureReason::Body(e.to_string())),
                Either::Right((reason, body)) => {
                    if matches!(reason, FailureReason::Deadline(_)) {
                        // Marks how long the run waited: a monitor judges
                        // what never came by it.
                        world.record(world.config().storage(), None, 0, What::DeadlinePassed);
                    }
                    // The body is cut off, not giving up on its calls.
                    world.begin_ending();
                    drop(body);
                    Some(reason)
                }
            };
            if failure.is_none() {
                liveness_phase(&world, opts.liveness_bound).await;
            }
            world.begin_ending();
            rt.shutdown();
            // Let every task of the run drop its future before the
            // executor stops (see sim::world::spawn).
            world.end_run();
            for _ in 0..2 {
                YieldOnce(false).await;
            }
            failure
        })
    });
    let mut record = RunRecord {
        seed,
        failure: outcome.unwrap_or_else(|message| Some(FailureReason::Panic(message))),
        end_ns: 0,
        trace: Vec::new(),
        steps: 0,
        plan,
        faults_injected: BTreeMap::new(),
        faults_applied: Vec::new(),
        failure_event: None,
        natural: Default::default(),
    };
    let world = world_slot.borrow_mut().take();
    if let Some(w) = &world {
        w.clock.release();
        record.end_ns = w.trace_end_ns();
        record.steps = w.steps();
        record.natural = w.natural.get();
        record.faults_applied = std::mem::take(&mut *w.applied.borrow_mut());
        record.faults_injected = std::mem::take(&mut *w.injected.borrow_mut());
        record.trace = w.take_trace();
    }
    debug_assert_eq!(
        record.faults_injected.values().sum::<u64>(),
        record
            .trace
            .iter()
            .filter(|e| matches!(e.what, What::FaultInjected { .. }))
            .count() as u64,
        "invariant faults-counted: the world counted every fault the trace records"
    );
    // A broken runtime guarantee explains any property failure after it,
    // so a monitor's verdict comes first.
    let failure = &mut record.failure;
    if opts.monitors && !matches!(failure, Some(FailureReason::Panic(_))) {
        // Calls left out are a hang only if the run got to wait for them:
        // it finished (and had its liveness phase) or the body itself hung.
        let liveness_applies = matches!(failure, None | Some(FailureReason::Deadline(_)));
        let violation = monitors::check_some(&record.trace, |name| {
            name != monitors::liveness::NAME || liveness_applies
        });
        if let Some(v) = violation {
            record.failure_event = Some(v.event_index);
            let also = match &failure {
                Some(f) => format!(" (and then: {f})"),
                None => String::new(),
            };
            *failure = Some(FailureReason::Invariant {
                monitor: v.monitor.to_string(),
                message: format!("{}{also}", v.message),
            });
        }
    }
    record
}
