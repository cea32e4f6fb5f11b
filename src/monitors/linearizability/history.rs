//! Recorded histories: what each client called, when, and what came back.
//!
//! A history is a list of operations, each with its invocation time and its
//! outcome: a response (a return value and its time); a response whose
//! value was not recorded; *unknown*, for a call whose fate a fault hid (a
//! timeout, a lost connection, a crash before the reply); or *withdrawn*,
//! for a call known not to have happened (Jepsen's `:fail`). Times are
//! nanoseconds on any clock that all clients share: dosim's simulated
//! clock, or the timestamps of a history recorded elsewhere.

use std::fmt;

/// Names one operation of a [`History`]: its index, in recording order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub usize);

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<Ret> {
    /// The client saw `ret` at `return_ns`: the operation took effect once,
    /// somewhere between its invocation and this time.
    Returned {
        /// The value the client saw.
        ret: Ret,
        /// When the client saw it.
        return_ns: u64,
    },
    /// Nobody knows: the operation may have taken effect at any time after
    /// its invocation, or never (Jepsen's `:info`). It orders nothing after
    /// it in real time.
    Unknown,
    /// The client saw the call end at `return_ns` but its value was not
    /// recorded: the operation took effect once, somewhere between its
    /// invocation and this time, and any return value fits.
    ValueUnknown {
        /// When the client saw the call end.
        return_ns: u64,
    },
    /// The call is known not to have taken effect (Jepsen's `:fail`, or a
    /// request the server refused before acting): the checker leaves it
    /// out, and a report never shows it.
    Withdrawn,
}

/// One call of one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<Op, Ret> {
    /// The calling client, for reports (the checker orders operations by
    /// their times only).
    pub client: u64,
    /// What was asked.
    pub op: Op,
    /// When it was invoked.
    pub call_ns: u64,
    /// How it ended.
    pub outcome: Outcome<Ret>,
}

impl<Op, Ret> Operation<Op, Ret> {
    /// The return value, if the client saw one.
    pub fn ret(&self) -> Option<&Ret> {
        match &self.outcome {
            Outcome::Returned { ret, .. } => Some(ret),
            Outcome::Unknown | Outcome::ValueUnknown { .. } | Outcome::Withdrawn => None,
        }
    }

    /// The response time, if the client saw one.
    pub fn return_ns(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Returned { return_ns, .. } | Outcome::ValueUnknown { return_ns } => {
                Some(return_ns)
            }
            Outcome::Unknown | Outcome::Withdrawn => None,
        }
    }
}

/// Why a history was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// A response came before its invocation.
    ReturnBeforeCall {
        /// The operation.
        id: OpId,
        /// Its invocation time.
        call_ns: u64,
        /// The response time given.
        return_ns: u64,
    },
    /// An outcome was given for an operation that was never invoked.
    NoSuchOp(OpId),
    /// A second outcome was given for one operation.
    CompletedTwice(OpId),
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::ReturnBeforeCall {
                id,
                call_ns,
                return_ns,
            } => write!(
                f,
                "operation {id} returned at {return_ns} ns, before its call at {call_ns} ns"
            ),
            HistoryError::NoSuchOp(id) => {
                write!(f, "operation {id} was never invoked")
            }
            HistoryError::CompletedTwice(id) => {
                write!(f, "operation {id} was given a second outcome")
            }
        }
    }
}

impl std::error::Error for HistoryError {}

/// A checked list of operations; [`OpId`]`(i)` is the `i`-th.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History<Op, Ret> {
    ops: Vec<Operation<Op, Ret>>,
}

impl<Op, Ret> History<Op, Ret> {
    /// A history from operations recorded elsewhere, in any order; refuses
    /// a response earlier than its invocation.
    pub fn from_ops(ops: Vec<Operation<Op, Ret>>) -> Result<Self, HistoryError> {
        for (i, o) in ops.iter().enumerate() {
            if let Some(return_ns) = o.return_ns() {
                if return_ns < o.call_ns {
                    return Err(HistoryError::ReturnBeforeCall {
                        id: OpId(i),
                        call_ns: o.call_ns,
                        return_ns,
                    });
                }
            }
        }
        Ok(History { ops })
    }

    /// The operations, indexed by [`OpId`].
    pub fn ops(&self) -> &[Operation<Op, Ret>] {
        &self.ops
    }

    /// The operation `id`, if there is one.
    pub fn get(&self, id: OpId) -> Option<&Operation<Op, Ret>> {
        self.ops.get(id.0)
    }

    /// How many operations.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// Builds a [`History`] as calls happen: [`invoke`](Self::invoke) when a
/// client calls, then one of [`ok`](Self::ok),
/// [`ok_value_unknown`](Self::ok_value_unknown),
/// [`unknown`](Self::unknown) or [`withdraw`](Self::withdraw) when the call
/// ends.
///
/// A call still open when the history is [`finish`](Self::finish)ed has an
/// unknown outcome: it may or may not have taken effect.
#[derive(Clone, Debug)]
pub struct HistoryBuilder<Op, Ret> {
    calls: Vec<(u64, Op, u64)>,
    outcomes: Vec<Option<Outcome<Ret>>>,
}

impl<Op, Ret> Default for HistoryBuilder<Op, Ret> {
    fn default() -> Self {
        HistoryBuilder {
            calls: Vec::new(),
            outcomes: Vec::new(),
        }
    }
}

impl<Op, Ret> HistoryBuilder<Op, Ret> {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `client` called `op` at `call_ns`.
    pub fn invoke(&mut self, client: u64, op: Op, call_ns: u64) -> OpId {
        self.calls.push((client, op, call_ns));
        self.outcomes.push(None);
        OpId(self.calls.len() - 1)
    }

    /// Records that `id` returned `ret` at `return_ns`.
    pub fn ok(&mut self, id: OpId, ret: Ret, return_ns: u64) -> Result<(), HistoryError> {
        self.open_until(id, return_ns)?;
        self.outcomes[id.0] = Some(Outcome::Returned { ret, return_ns });
        Ok(())
    }

    /// Records that `id` ended at `return_ns` with a value nobody recorded:
    /// it took effect, and any value fits.
    pub fn ok_value_unknown(&mut self, id: OpId, return_ns: u64) -> Result<(), HistoryError> {
        self.open_until(id, return_ns)?;
        self.outcomes[id.0] = Some(Outcome::ValueUnknown { return_ns });
        Ok(())
    }

    /// Records that nobody knows whether `id` took effect.
    pub fn unknown(&mut self, id: OpId) -> Result<(), HistoryError> {
        self.open(id)?;
        self.outcomes[id.0] = Some(Outcome::Unknown);
        Ok(())
    }

    /// Records that `id` is known not to have taken effect: the checker
    /// leaves it out. Its [`OpId`] stays valid, so the other operations'
    /// ids do not move.
    pub fn withdraw(&mut self, id: OpId) -> Result<(), HistoryError> {
        self.open(id)?;
        self.outcomes[id.0] = Some(Outcome::Withdrawn);
        Ok(())
    }

    /// The history so far; calls still open have unknown outcomes.
    pub fn finish(self) -> History<Op, Ret> {
        let ops = self
            .calls
            .into_iter()
            .zip(self.outcomes)
            .map(|((client, op, call_ns), outcome)| Operation {
                client,
                op,
                call_ns,
                outcome: outcome.unwrap_or(Outcome::Unknown),
            })
            .collect();
        History { ops }
    }

    /// Checks that `id` is open and may end at `return_ns`.
    fn open_until(&self, id: OpId, return_ns: u64) -> Result<(), HistoryError> {
        let call_ns = self.open(id)?;
        if return_ns < call_ns {
            return Err(HistoryError::ReturnBeforeCall {
                id,
                call_ns,
                return_ns,
            });
        }
        Ok(())
    }

    /// The invocation time of `id`, if it is invoked and not yet ended.
    fn open(&self, id: OpId) -> Result<u64, HistoryError> {
        match self.outcomes.get(id.0) {
            None => Err(HistoryError::NoSuchOp(id)),
            Some(Some(_)) => Err(HistoryError::CompletedTwice(id)),
            Some(None) => Ok(self.calls[id.0].2),
        }
    }
}

/// The old name of [`HistoryBuilder`].
#[deprecated(note = "renamed to HistoryBuilder: it builds a History")]
pub type HistoryRecorder<Op, Ret> = HistoryBuilder<Op, Ret>;
