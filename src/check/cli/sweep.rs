//! `run`: sweep seeds, on every core, and print the summary.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{configure, RunArgs};
use crate::check::report::Report;
use crate::check::report_file::merge_reports;
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
    let report_file = match report_file(args) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("dosim: {e}");
            return ExitCode::from(2);
        }
    };
    let report = match (seeds, args.time_budget) {
        (Err(e), _) => Report::setup_failed(runner.test_name(), e),
        (Ok(_), Some(budget)) if args.seed.is_none() => {
            runner.sweep_for(budget, args.seeds.is_some(), body)
        }
        (Ok(seeds), _) => runner.sweep(&seeds, body),
    };
    if let Some(path) = &report_file {
        if let Err(e) = report.write_json(path, args.shard) {
            eprintln!("dosim: {e}");
            print!("{}", report.summary());
            return ExitCode::from(2);
        }
    }
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

/// The file `--report json <file>` names, if any.
fn report_file(args: &RunArgs) -> Result<Option<PathBuf>, String> {
    match args.report.as_deref() {
        None => Ok(None),
        Some([format, file]) if format == "json" => Ok(Some(PathBuf::from(file))),
        Some([format, _]) => Err(format!(
            "unknown report format `{format}`: the one there is is `json` (--report json <file>)"
        )),
        Some(_) => Err("--report takes a format and a file: --report json <file>".to_string()),
    }
}

/// `merge <files…>`: one summary of the shards' reports. Exits 1 if a seed
/// failed, else 2 if a file was left out or a shard is missing, else 0.
pub(super) fn merge(files: &[PathBuf]) -> ExitCode {
    let merged = merge_reports(files);
    for problem in &merged.problems {
        eprintln!("dosim: merge: {problem}");
    }
    print!("{}", merged.report.summary());
    if !merged.report.passed() {
        ExitCode::from(1)
    } else if !merged.problems.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}
