//! Test entry points: seed sweeps, single-seed runs, failure reports,
//! replay, the determinism self-check, and the example command line.

pub(crate) mod cli;
pub(crate) mod history;
pub(crate) mod report;
pub(crate) mod run;
pub(crate) mod runner;
pub(crate) mod sim;

pub use cli::{main as cli_main, Cli};
pub use history::{Checked, Recorder};
pub use report::Replay;
pub use run::{FailureReason, Faults, RunRecord};
pub use runner::{check, Failure, Report, Runner, SEEDS_DEFAULT};
pub use sim::Sim;
