//! One run's world: its clock, random streams, network, trace, and limits.
//!
//! Every layer above reaches the world through one `Rc<World>`, created
//! fresh for each run inside that run's own thread and madsim runtime, so
//! nothing in it can leak from one seed into the next.
//!
//! The limits are what keep a run from hanging: a bound on steps (event
//! polls and deliveries), checked as the run goes, and a stop signal that
//! ends the run with a reason as soon as anything decides it has failed.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::clock::SimClock;
use super::fault_state::FaultState;
use super::faults::{FaultKind, FaultPlan};
use super::network::Network;
use super::rng::RunRng;
use super::seed::{Seed, Stream};
use super::wakers::{Registration, Wakers};
use super::world_config::{LocationId, WorldConfig};
use crate::trace::{ObjectRef, TraceEntry, TraceRecorder, What};

/// Why a run was stopped from inside, before its body finished.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StopReason {
    /// The run took more steps than allowed (a livelock, or a runaway loop).
    StepBound(u64),
}

/// How many instances of one run the runtime ended on its own, with no
/// fault: idle ones it evicted, and ones it hibernated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NaturalEnds {
    /// Instances evicted after their idle window.
    pub evicted: u64,
    /// Instances hibernated after the hibernation idle time.
    pub hibernated: u64,
}

impl NaturalEnds {
    /// Adds `other`'s counts to these.
    pub(crate) fn add(&mut self, other: NaturalEnds) {
        self.evicted += other.evicted;
        self.hibernated += other.hibernated;
    }

    /// Whether nothing ended naturally.
    pub fn is_empty(&self) -> bool {
        self.evicted == 0 && self.hibernated == 0
    }
}

/// See the module documentation.
pub(crate) struct World {
    pub(crate) seed: Seed,
    pub(crate) clock: SimClock,
    pub(crate) rng: RunRng,
    pub(crate) user_rng: RunRng,
    /// Idle windows of natural eviction (see `runtime::instance::idle`).
    pub(crate) idle_rng: RunRng,
    /// Instances the runtime ended on its own, with no fault.
    pub(crate) natural: Cell<NaturalEnds>,
    /// Calls to services draw here, so runs without services keep their
    /// numbers.
    pub(crate) service_rng: RunRng,
    /// Fault decisions: times, kinds and targets of random faults.
    pub(crate) fault_rng: RunRng,
    /// Which messages random loss drops.
    pub(crate) loss_rng: RunRng,
    /// Which `buggify()` points fire.
    pub(crate) buggify_rng: RunRng,
    pub(crate) network: Network,
    /// The run's fault plan.
    pub(crate) plan: FaultPlan,
    /// The faults in force now.
    pub(crate) faults: FaultState,
    /// Every fault applied so far, as a schedule that would apply it again
    /// (what `shrink` starts from).
    pub(crate) applied: RefCell<Vec<super::faults::ScheduledFault>>,
    /// How many faults of each kind the trace records as injected, counted
    /// as they are recorded: the harness needs no pass over the trace.
    pub(crate) injected: RefCell<BTreeMap<FaultKind, u64>>,
    trace: TraceRecorder,
    steps: Cell<u64>,
    steps_max: u64,
    stop: RefCell<Option<StopReason>>,
    stop_waiters: Wakers,
    /// Calls sent and not yet answered, failed or abandoned.
    calls_open: Cell<u64>,
    /// The harness is tearing the run down: futures dropped now were not
    /// given up by their callers.
    ending: Cell<bool>,
    /// The run is over: every task spawned through [`spawn`] lets go of
    /// its future.
    over: Cell<bool>,
    over_waiters: Wakers,
}

impl World {
    /// A new world; must be called inside the run's madsim runtime.
    pub(crate) fn new(seed: Seed, config: WorldConfig, plan: FaultPlan, steps_max: u64) -> World {
        let world = World {
            seed,
            clock: SimClock::start(),
            rng: RunRng::new(seed.rng(Stream::Run)),
            user_rng: RunRng::new(seed.rng(Stream::User)),
            idle_rng: RunRng::new(seed.rng(Stream::Idle)),
            natural: Cell::new(NaturalEnds::default()),
            service_rng: RunRng::new(seed.rng(Stream::Services)),
            fault_rng: RunRng::new(seed.rng(Stream::Faults)),
            loss_rng: RunRng::new(seed.rng(Stream::Loss)),
            buggify_rng: RunRng::new(seed.rng(Stream::Buggify)),
            network: Network::new(config),
            plan,
            faults: FaultState::default(),
            applied: RefCell::new(Vec::new()),
            injected: RefCell::new(BTreeMap::new()),
            trace: TraceRecorder::default(),
            steps: Cell::new(0),
            steps_max,
            stop: RefCell::new(None),
            stop_waiters: Wakers::default(),
            calls_open: Cell::new(0),
            ending: Cell::new(false),
            over: Cell::new(false),
            over_waiters: Wakers::default(),
        };
        let first_client = world.config().clients().next().unwrap_or(LocationId(0));
        world.record(first_client, None, 0, What::RunStarted { seed: seed.0 });
        let kinds = world
            .plan
            .rates
            .iter()
            .filter(|(_, r)| **r > 0.0)
            .map(|(k, _)| *k)
            .chain(world.plan.schedule.iter().map(|s| s.fault.kind()))
            // Service kinds are announced when a service is bound.
            .filter(|k| !k.is_service())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        world.record(first_client, None, 0, What::FaultsPlanned { kinds });
        world
    }

    pub(crate) fn config(&self) -> &WorldConfig {
        self.network.config()
    }

    /// Appends an event to the trace, stamped with the current simulated time.
    pub(crate) fn record(&self, at: LocationId, obj: Option<ObjectRef>, epoch: u32, what: What) {
        if let What::FaultInjected { fault, .. } = &what {
            *self.injected.borrow_mut().entry(*fault).or_insert(0) += 1;
        }
        self.trace.push(self.clock.now_ns(), at, obj, epoch, what);
    }

    /// The time of the last recorded event (usable outside the runtime).
    pub(crate) fn trace_end_ns(&self) -> u64 {
        self.trace.last_t()
    }

    /// Takes the whole trace out (at the end of a run).
    pub(crate) fn take_trace(&self) -> Vec<TraceEntry> {
        self.trace.take()
    }

    /// Counts one step; past the bound, stops the run.
    pub(crate) fn step(&self) {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        if n > self.steps_max {
            self.stop(StopReason::StepBound(self.steps_max));
        }
    }

    /// Steps taken so far.
    pub(crate) fn steps(&self) -> u64 {
        self.steps.get()
    }

    /// Ends the run with `reason` (the first reason wins).
    pub(crate) fn stop(&self, reason: StopReason) {
        let mut stop = self.stop.borrow_mut();
        if stop.is_none() {
            *stop = Some(reason);
            drop(stop);
            self.stop_waiters.wake_all();
        }
    }

    /// Resolves when something stops the run.
    pub(crate) fn stopped(&self) -> Stopped<'_> {
        Stopped {
            world: self,
            place: Registration::default(),
        }
    }

    /// A call went out.
    pub(crate) fn call_opened(&self) {
        self.calls_open.set(self.calls_open.get() + 1);
    }

    /// A call settled (answered, failed or abandoned).
    pub(crate) fn call_closed(&self) {
        debug_assert!(
            self.calls_open.get() > 0,
            "invariant calls-balance: a call closed twice"
        );
        self.calls_open.set(self.calls_open.get().saturating_sub(1));
    }

    /// The harness starts tearing the run down.
    pub(crate) fn begin_ending(&self) {
        self.ending.set(true);
    }

    /// Whether the harness is tearing the run down.
    pub(crate) fn is_ending(&self) -> bool {
        self.ending.get()
    }

    /// The run is over: tasks spawned with [`spawn`] drop their futures.
    pub(crate) fn end_run(&self) {
        self.over.set(true);
        self.over_waiters.wake_all();
    }

    /// Calls still out.
    pub(crate) fn calls_open(&self) -> u64 {
        self.calls_open.get()
    }

    /// Counts an instance the runtime ended on its own.
    pub(crate) fn count_natural(&self, count: impl FnOnce(&mut NaturalEnds)) {
        let mut n = self.natural.get();
        count(&mut n);
        self.natural.set(n);
    }

    /// Simulated time since the run started.
    pub(crate) fn now(&self) -> Duration {
        self.clock.elapsed()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<World>>> = const { RefCell::new(None) };
}

/// Makes `world` the current run's world on this thread until the guard
/// drops (for free functions such as `buggify` that have no handle).
pub(crate) fn enter(world: &Rc<World>) -> impl Drop {
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            CURRENT.with(|c| c.borrow_mut().take());
        }
    }
    CURRENT.with(|c| *c.borrow_mut() = Some(world.clone()));
    Leave
}

/// The world of the run on this thread, if any.
pub(crate) fn current() -> Option<Rc<World>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Spawns `fut` for this run. When the run ends, the task drops `fut` (and
/// everything it holds): madsim never frees a task left waiting on one of
/// its timers, so a task that outlived its run would keep that run's
/// objects and databases alive for the rest of the process.
pub(crate) fn spawn<F>(world: &Rc<World>, fut: F) -> madsim::task::JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // Boxed, so that dropping it below really frees what it holds, and
    // past its type, as in `spawn_boxed`: one task type per output type.
    spawn_boxed_output(world.clone(), Box::pin(fut))
}

/// [`spawn`] past the future's type (see [`spawn_boxed`]).
fn spawn_boxed_output<T: 'static>(
    world: Rc<World>,
    fut: Pin<Box<dyn Future<Output = T>>>,
) -> madsim::task::JoinHandle<T> {
    madsim::task::spawn_local(super::clock::in_task_poll(async move {
        match UntilOver::new(&world, fut).await {
            Some(value) => value,
            None => std::future::pending().await,
        }
    }))
}

/// [`spawn`] for dosim's own tasks, which return nothing: when the run
/// ends they finish outright, so nothing of them stays behind.
pub(crate) fn spawn_task<F>(world: &Rc<World>, fut: F) -> madsim::task::JoinHandle<()>
where
    F: Future<Output = ()> + 'static,
{
    // Boxed: this block and madsim's task each hold the future twice (as
    // captured and as awaited), so unboxed an event's task took four times
    // its future, about 1.5 KB, past the allocator's per-thread cache and
    // copied whole at every move on the way into the task.
    spawn_boxed(world.clone(), Box::pin(fut))
}

/// [`spawn_task`] past the future's type: every dosim task is one task
/// type to madsim and `async_task`, so their executor code (run, wake,
/// schedule, drop) exists once rather than once per future type. A
/// request goes through several kinds of task (its caller, the object's
/// delivery, the commit loop, an event that awaits), and one copy of that
/// code stays in the instruction cache where several evicted each other.
fn spawn_boxed(
    world: Rc<World>,
    fut: Pin<Box<dyn Future<Output = ()>>>,
) -> madsim::task::JoinHandle<()> {
    madsim::task::spawn_local(super::clock::in_task_poll(async move {
        let _ = UntilOver::new(&world, fut).await;
    }))
}

/// A task's future until the run is over: its output, or `None` once the
/// run ended first (the future is dropped then, and what it holds freed).
///
/// `futures::future::select` with [`RunOver`] did the same, with an
/// `Either` to build and take apart on every poll of every task (a
/// request polls four or five): about 50 instructions a request more.
struct UntilOver<'a, T> {
    fut: Option<Pin<Box<dyn Future<Output = T>>>>,
    over: RunOver<'a>,
}

impl<'a, T> UntilOver<'a, T> {
    fn new(world: &'a World, fut: Pin<Box<dyn Future<Output = T>>>) -> Self {
        UntilOver {
            fut: Some(fut),
            over: RunOver::new(world),
        }
    }
}

impl<T> Future for UntilOver<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        // The future first, as `select` polled it: a task that finishes
        // in the poll that sees the run end still gives its output.
        if let Some(fut) = &mut this.fut {
            if let Poll::Ready(value) = fut.as_mut().poll(cx) {
                this.fut = None;
                return Poll::Ready(Some(value));
            }
        }
        match Pin::new(&mut this.over).poll(cx) {
            Poll::Ready(()) => {
                this.fut = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Resolves when the run is over.
struct RunOver<'a> {
    world: &'a World,
    place: Registration,
}

impl<'a> RunOver<'a> {
    fn new(world: &'a World) -> Self {
        RunOver {
            world,
            place: Registration::default(),
        }
    }
}

impl Future for RunOver<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.world.over.get() {
            Poll::Ready(())
        } else {
            // Registered once, at the first poll: only a task's own
            // wrapper polls this, and a madsim task's waker is the same
            // at every poll, so refreshing it (a look-up and a compare on
            // every poll of every task, about 200 instructions a
            // request) changed nothing.
            if this.place.is_registered() {
                debug_assert!(
                    this.world.over_waiters.holds(&this.place, cx.waker()),
                    "invariant task-waker-stable: a task was polled with another task's waker"
                );
            } else {
                this.world
                    .over_waiters
                    .register(&mut this.place, cx.waker());
            }
            Poll::Pending
        }
    }
}

impl Drop for RunOver<'_> {
    fn drop(&mut self) {
        self.world.over_waiters.remove(&mut self.place);
    }
}

/// Future returned by [`World::stopped`].
pub(crate) struct Stopped<'a> {
    world: &'a World,
    place: Registration,
}

impl Future for Stopped<'_> {
    type Output = StopReason;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<StopReason> {
        let this = &mut *self;
        match &*this.world.stop.borrow() {
            Some(r) => Poll::Ready(r.clone()),
            None => {
                this.world
                    .stop_waiters
                    .register(&mut this.place, cx.waker());
                Poll::Pending
            }
        }
    }
}

impl Drop for Stopped<'_> {
    fn drop(&mut self) {
        self.world.stop_waiters.remove(&mut self.place);
    }
}
