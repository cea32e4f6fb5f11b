//! Test entry points: seed sweeps, single-seed runs, failure reports,
//! replay, the determinism self-check, and the example command line.

pub(crate) mod cli;
pub(crate) mod cores;
pub mod corpus;
pub(crate) mod fresh_thread;
pub mod fuzz;
pub(crate) mod history;
pub(crate) mod pool;
pub(crate) mod progress;
pub mod prop;
pub(crate) mod replay;
pub(crate) mod report;
pub(crate) mod report_file;
pub(crate) mod run;
pub(crate) mod runner;
pub(crate) mod shard;
pub(crate) mod shrink;
pub(crate) mod sim;
pub(crate) mod story;
pub(crate) mod view;

pub use cli::{main as cli_main, main_from as cli_main_from, Cli, Command, FaultsArg, RunArgs};
pub use fresh_thread::run_on_fresh_thread;
#[allow(deprecated)]
pub use history::Recorder;
pub use history::{CallRecorder, Checked};
pub use replay::Replay;
pub use report::{Failure, Report};
pub use report_file::{merge_reports, Merged};
pub use run::{FailureReason, Faults, RunRecord};
pub use runner::{check, Runner, FAULT_WINDOW_DEFAULT, SEEDS_DEFAULT};
pub use shard::Shard;
pub use sim::{ObjectKey, Sim, StorageView};
