//! Recording the history of a run's client calls, on simulated time, for
//! the linearizability checker.
//!
//! A test wraps each call it makes in [`CallRecorder::call`]: the invocation is
//! stamped with the simulated time before the call, the response after it.
//! A call that failed is recorded with an *unknown* outcome — after a fault
//! the caller cannot tell whether it took effect — which the checker
//! treats as "happened at some point after its invocation, or never". At
//! the end, [`CallRecorder::check`] hands the history and the user's model to
//! the [`Checker`](crate::monitors::linearizability::Checker).
//!
//! ```no_run
//! # use dosim::{CallRecorder, Sim};
//! # use dosim::monitors::linearizability::Model;
//! # #[derive(Clone, PartialEq, Eq, Hash)] struct Count(u64);
//! # impl Model for Count { type Op = u64; type Ret = u64;
//! #   fn step(&self, by: &u64) -> (Self, u64) { (Count(self.0 + by), self.0 + by) } }
//! # async fn body(sim: Sim, stub: impl Fn() -> std::future::Ready<dosim::Result<u64>>) -> dosim::Result<()> {
//! let history = CallRecorder::<u64, u64>::new();
//! let ret = history.call(0, 1, stub()).await;   // client 0 adds 1
//! history.check(Count(0)).into_result()?;
//! # Ok(()) }
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use crate::monitors::linearizability::{Checker, History, HistoryBuilder, Model, Verdict};
use crate::runtime::error::{Error, Result};

/// A shared, clonable recorder of client calls (one per run).
pub struct CallRecorder<Op, Ret> {
    inner: Rc<RefCell<HistoryBuilder<Op, Ret>>>,
}

impl<Op, Ret> Clone for CallRecorder<Op, Ret> {
    fn clone(&self) -> Self {
        CallRecorder {
            inner: self.inner.clone(),
        }
    }
}

impl<Op, Ret> Default for CallRecorder<Op, Ret> {
    fn default() -> Self {
        CallRecorder {
            inner: Rc::new(RefCell::new(HistoryBuilder::new())),
        }
    }
}

fn now_ns() -> u64 {
    u64::try_from(crate::runtime::time::elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl<Op: Clone + std::fmt::Debug, Ret: Clone + PartialEq + std::fmt::Debug> CallRecorder<Op, Ret> {
    /// An empty history.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `call` as client `client`'s operation `op`, recording its
    /// invocation, and its response (`Ok`) or an unknown outcome (`Err`).
    /// Returns what the call returned.
    pub async fn call<F>(&self, client: u64, op: Op, call: F) -> Result<Ret>
    where
        F: Future<Output = Result<Ret>>,
    {
        let id = self.inner.borrow_mut().invoke(client, op, now_ns());
        let result = call.await;
        let mut h = self.inner.borrow_mut();
        let recorded = match &result {
            Ok(ret) => h.ok(id, ret.clone(), now_ns()),
            Err(_) => h.unknown(id),
        };
        debug_assert!(recorded.is_ok(), "invariant history-once: {recorded:?}");
        result
    }

    /// Checks the history so far against `init`, the model's first state,
    /// with the checker's default bounds.
    pub fn check<M>(&self, init: M) -> Checked<Op, Ret>
    where
        M: Model<Op = Op, Ret = Ret>,
    {
        self.check_with(&Checker::new(), init)
    }

    /// Checks the history so far with `checker` (its bounds, or
    /// [`Checker::verdict_only`]).
    pub fn check_with<M>(&self, checker: &Checker, init: M) -> Checked<Op, Ret>
    where
        M: Model<Op = Op, Ret = Ret>,
    {
        let history = self.history();
        Checked(checker.check(&history, init), history.len())
    }

    /// The history recorded so far; calls still open have unknown
    /// outcomes. For [`Checker::linearization`], or to keep.
    pub fn history(&self) -> History<Op, Ret> {
        self.inner.borrow().clone().finish()
    }
}

/// The verdict on a recorded history.
pub struct Checked<Op, Ret>(pub Verdict<Op, Ret>, usize);

impl<Op: std::fmt::Debug, Ret: std::fmt::Debug> Checked<Op, Ret> {
    /// `Ok` if linearizable; else an error carrying the checker's report
    /// (a minimal non-linearizable window of operations, or the bound a
    /// search reached), so a test body can `?` it into a failure.
    pub fn into_result(self) -> Result<()> {
        match &self.0 {
            Verdict::Linearizable => Ok(()),
            Verdict::NotLinearizable(_) => Err(Error::new(format!(
                "the history of {} calls is not linearizable: {}",
                self.1, self.0
            ))),
            Verdict::GaveUp { .. } => Err(Error::new(format!(
                "the history of {} calls could not be checked: {}",
                self.1, self.0
            ))),
        }
    }
}

/// The old name of [`CallRecorder`].
#[deprecated(note = "renamed to CallRecorder: three types were called Recorder")]
pub type Recorder<Op, Ret> = CallRecorder<Op, Ret>;
