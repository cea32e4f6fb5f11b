//! What the checker answers: a verdict, and for a failure the operations
//! that show it.

use std::fmt::{self, Debug};

use super::history::{History, OpId, Outcome};
use super::partition::PartitionKey;

/// What [`check`](super::check) found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<Op, Ret> {
    /// Some order of the calls agrees with the model
    /// ([`Checker::linearization`](super::Checker::linearization) gives one).
    Linearizable,
    /// None does; here is a small set of operations that shows it.
    NotLinearizable(Box<Counterexample<Op, Ret>>),
    /// A part's search reached a bound without an answer (and no other part
    /// failed).
    GaveUp {
        /// The bound it reached.
        limit: Limit,
        /// The steps that part's last search used.
        steps: u64,
        /// The most bytes that search held at once.
        bytes: u64,
        /// The part, if the model is partitioned: the first in key order of
        /// those that gave up.
        partition: Option<PartitionKey>,
    },
}

/// Which bound ended a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`Checker::steps_max`](super::Checker::steps_max).
    Steps,
    /// [`Checker::memory_max`](super::Checker::memory_max).
    Memory,
}

impl<Op, Ret> Verdict<Op, Ret> {
    /// Whether the history was shown linearizable.
    pub fn is_linearizable(&self) -> bool {
        matches!(self, Verdict::Linearizable)
    }
}

impl<Op: Debug, Ret: Debug> fmt::Display for Verdict<Op, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Linearizable => write!(f, "linearizable"),
            Verdict::NotLinearizable(c) => write!(f, "{c}"),
            Verdict::GaveUp {
                limit,
                steps,
                bytes,
                partition,
            } => {
                write!(
                    f,
                    "linearizability unknown: gave up after {steps} search steps"
                )?;
                if let Some(p) = partition {
                    write!(f, " on partition {p}")?;
                }
                match limit {
                    Limit::Steps => write!(f, " (raise Checker::steps_max)"),
                    Limit::Memory => write!(
                        f,
                        ", holding {:.1} MiB, past the memory bound (raise Checker::memory_max)",
                        *bytes as f64 / (1u64 << 20) as f64
                    ),
                }
            }
        }
    }
}

/// A non-linearizable window of a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample<Op, Ret> {
    /// Operations of the history that are not linearizable even alone,
    /// sorted by invocation.
    pub window: History<Op, Ret>,
    /// The id in the checked history of each operation of `window`.
    pub ids: Vec<OpId>,
    /// The part of the state they touch, if the model is partitioned.
    pub partition: Option<PartitionKey>,
    /// The history (or its part) was already not linearizable as it stood
    /// at this time.
    pub prefix_end_ns: u64,
    /// How many operations (of the part) were invoked by then.
    pub prefix_ops: usize,
    /// Whether no single operation can be removed from `window` with the
    /// rest failing for the same reason; false if a shrinking probe reached
    /// a bound, or if the window was not narrowed down at all.
    pub minimal: bool,
    /// Whether the window was narrowed down from the failing part; false
    /// in [`Checker::verdict_only`](super::Checker::verdict_only) mode,
    /// where `window` is the whole part and the prefix is all of it.
    pub narrowed: bool,
}

impl<Op: Debug, Ret: Debug> fmt::Display for Counterexample<Op, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not linearizable: no order of these {} operations",
            self.window.len()
        )?;
        if let Some(p) = &self.partition {
            write!(f, " (partition {p})")?;
        }
        writeln!(f, " agrees with the model")?;
        for (id, o) in self.ids.iter().zip(self.window.ops()) {
            let end = match &o.outcome {
                Outcome::Returned { ret, return_ns } => {
                    format!("{} -> {ret:?}", format_ns(*return_ns))
                }
                Outcome::ValueUnknown { return_ns } => format!("{} -> ?", format_ns(*return_ns)),
                Outcome::Unknown => "unknown".to_string(),
                Outcome::Withdrawn => "withdrawn".to_string(),
            };
            writeln!(
                f,
                "  {id} client {} {} {:?} .. {end}",
                o.client,
                format_ns(o.call_ns),
                o.op
            )?;
        }
        if !self.narrowed {
            return write!(
                f,
                "  verdict only: the whole part, not narrowed down to a window"
            );
        }
        write!(
            f,
            "  already not linearizable at t={} ({} operations invoked)",
            format_ns(self.prefix_end_ns),
            self.prefix_ops
        )?;
        if !self.minimal {
            write!(
                f,
                "; a shrinking probe gave up, the window may shrink further"
            )?;
        }
        Ok(())
    }
}

/// Seconds with nanoseconds: histories from other systems may be that fine.
fn format_ns(ns: u64) -> String {
    format!("{}.{:09}s", ns / 1_000_000_000, ns % 1_000_000_000)
}
