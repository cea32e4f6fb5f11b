//! `run`: sweep seeds, on every core, and print the summary.

use std::process::ExitCode;

use super::{configure, RunArgs};
use crate::check::report::Report;
use crate::check::run::Body;
use crate::check::runner::Runner;

/// Sweeps the seeds `args` and `runner` describe; prints the summary.
pub(super) fn run(args: &RunArgs, runner: Runner, body: &Body) -> ExitCode {
    let runner = match args.seeds {
        Some(n) => runner.seeds(n),
        None => runner,
    };
    let runner = match args.shard {
        Some(shard) => runner.shard(shard),
        None => runner,
    };
    let jobs = args.jobs.map(|n| n as usize);
    let runner = match configure(runner.jobs(jobs).progress(true), &args.faults) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let seeds = match args.seed {
        Some(seed) => Ok(vec![seed]),
        None => runner.planned_seeds(),
    };
    let report = match seeds {
        Ok(seeds) => runner.sweep(&seeds, body),
        Err(e) => Report::setup_failed(runner.test_name(), e),
    };
    if let Some(e) = &report.setup_error {
        eprintln!("dosim: {e}");
        println!("{}", report.summary_line());
        return ExitCode::from(2);
    }
    print!("{}", report.summary());
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
